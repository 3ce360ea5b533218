"""Chinese question forms on raw characters (question-cues.md): particles, wh-words, A-not-A, tags.

Speech and chat drop the question mark, so the words must show the question:
- particles: 吗 always; 呢 after a wh-word or on a short phrase (你呢); 吧 when it presumes
  and checks (你听过吧, 没事吧, 太贵了吧), not when it proposes (我们走吧, 您有空看看吧, 那我再联系您吧). 啊 alone does not
  ask (您这办公室景色真不错啊); after a wh-word it licenses it. 么 is the particle only when it
  does not end 什么/怎么/那么.
- a wh-word asks when something licenses it (您/你们, 呢, 请问, 大概…) or when it stands in
  asking position at the end of the sentence (他去哪了, 情况怎么样了); not inside an
  embedded clause (我不知道…什么, 具体多少钱要看模块) or an if-clause (如果出现什么问题), not
  after a negation (没说什么), not as free choice (你去哪我去哪). "问题的答案是什么" (a
  definition with no addressee or deixis) is a noun phrase.
- A-not-A (V不V, 回去不回去, 去没去, 你听见没有), tags at the end with or without a comma
  (…是吧, …对不对), X还是Y when 还是 is not the adverb, rhetorical forms (难道, 你以为),
  proposals (要不咱们…) and paraphrases put to the customer (您的意思是…).
A trailing address after the particle (好意思吗你, 好吧妈) is read as if it came first.
"""

import re

# sentence-final 么 (not the end of 什么/怎么/那么), Wu 伐 (not 采伐/步伐), and the 无 of Hainan and Min
# (约一下无, not 毫无) and 否 of Wenzhou and Hakka (好否, not 是否/与否): the particle 吗
_MA = re.compile(r"(?<![什怎那这多要为干])么$|(?<![采砍步征讨挞杀])伐$|(?<![毫别虚全并绝从一有可])无$|(?<![是与])否$")
_MA_ENDS = ("么", "伐", "无", "否")
_VOCATIVE = re.compile(r"(?<=[吗呢吧啊嘛么呀])(?:你们|你|您|妈|爸|哥|姐|老公|老婆|宝贝)$")
_MODAL = re.compile(r"能|可以|会不会|方便|愿意|可不可|不是[\u4e00-\u9fff]{2,}|不比|这不[\u4e00-\u9fff]{3,}|不就|不也")
_YOU_SEE = re.compile(r"(?:^|(?<=,))(?:您|你)看$")
_SUO = re.compile(r"(?<![啰罗哆])嗦$")  # Sichuan 嗦 closes a guess put for a yes (主要就这两条嗦)
_SOFT_END = re.compile(r"(?<=[\u4e00-\u9fff])[哈撒嘎]+$|(?<=不对|不是|不行|不好|对吧|是吧|对不)嘛$")


def prepare(body: str, qmark: bool) -> str:
    """A softening 哈, 撒 or Yunnan 嘎 at the end asks nothing and hides the particle before it (讲讲撒,
    我理解下哈, 是不是嘎); sentence-final 么 and Wu 伐 (分量大伐), and 嘛 before a question mark or after a modal, are the particle 吗
    (the seed writes 紧急嘛?; 您可以跟我说说嘛); Sichuan 嗦 is 吧; a final "…,您看" is "…,您看呢"."""
    body = _SOFT_END.sub("", _VOCATIVE.sub("", body))
    if body.endswith("看") and _YOU_SEE.search(body):
        body += "呢"  # "…,您看" asks as "…,您看呢" does
    if body.endswith(_MA_ENDS):  # the patterns below read only the last character: most sentences are spared them
        body = _MA.sub("吗", body)
    elif body.endswith("嗦"):
        body = _SUO.sub("吧", body)
    if body.endswith("嘛") and (qmark or _MODAL.search(body)):
        body = body[:-1] + "吗"
    return body


def analyse(body: str, qmark: bool, p: dict[str, re.Pattern[str]]) -> tuple[frozenset[str], bool]:
    """The question forms present in one sentence, and whether it reads as a question."""
    forms: set[str] = set()
    masked = p["wh_block"].sub("#", body)
    wh = p["wh"].search(masked) is not None
    if p["anotA"].search(p["anotA_embedded"].sub("#", body)):
        forms.add("anotA")
    if p["tag"].search(body) or p["tag_end"].search(body):
        forms.add("tag")
    if p["alternative"].search(body) and (qmark or p["alternative_frame"].search(body)
                                          or (p["alternative_bare"].search(body)
                                              and not p["alternative_not"].search(body))):
        forms.add("alternative")
    if p["rhetorical_form"].search(body):
        forms.add("rhetorical")
    elif p["proposal"].search(body) or p["proposal"].search(body.rsplit(",", 1)[-1]):
        forms.add("proposal")
    if p["paraphrase"].search(body):
        forms.add("paraphrase")
    if p["set_phrase"].search(body):
        forms.add("particle")
    if body.endswith("吗"):
        forms.add("particle")
    elif body.endswith("呢") and (wh or len(body) <= 6):
        forms.add("particle")
    elif body.endswith("吧") and (qmark or (p["presumptive"].search(body) and not p["suggestion"].search(body))):
        forms.add("particle")
    licensed = wh and (qmark or p["indirect"].search(body) is not None
                       or (not _embedded(body, p) and (p["licence"].search(body) is not None
                                                       or p["wh_strong"].search(masked) is not None
                                                       or (p["wh_final"].search(masked) is not None
                                                           and p["wh_definition"].search(body) is None))))
    if licensed:
        forms.add("wh")
    elif wh:
        forms.add("embedded")
    asks = {"anotA", "tag", "particle", "wh", "alternative", "rhetorical", "proposal", "paraphrase"}
    question = qmark or bool(forms & asks)
    if qmark and not forms & asks:
        forms.add("declarative")
    return frozenset(forms), question


def _embedded(body: str, p: dict[str, re.Pattern[str]]) -> bool:
    """Whether the wh-word sits in an embedded clause (我不知道…什么, 具体多少钱要看模块): read only
    for a sentence with a wh-word that nothing else licenses."""
    return p["embedded"].search(body) is not None and p["wh_knowing"].search(body) is None
