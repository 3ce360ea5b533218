"""Action commitment (行动承诺, DESIGN 2.5): from the engine's record when there is one, else from the text.

A session played in Peilian carries the customer's decisions (`acts`): a request is secured
exactly when the customer's reply records a `grant`, whatever the words (an LLM may word a
refusal warmly; the record decides). A transcript from elsewhere is read from the words:

Requested: the trainee made a commitment_request that asks the customer for a step (offering
only our own next task, "我回头把方案发给您,您先看看,行吗?", asks for none). Secured: the
customer's answer (its turns before the trainee speaks again) accepts it, or refuses it but
counter-proposes something concrete (another time, or an offer to bring someone or arrange it:
"明天不行,下周一下午吧,我叫上刘经理"). Vague replies ("我考虑一下", "let's keep in touch")
secure nothing, even after a polite "好的". The elements are those present in the request
and the acceptance together.
"""

from dataclasses import dataclass, field, replace
from typing import Literal

from scoring.cues import Cues, load_cues, normalise
from scoring.hearing.repeat import normal, similar
from scoring.models import ELEMENTS, Element, LineLabel, Turn

Reply = Literal["accepted", "countered", "vague", "refused", "unclear", "none"]


@dataclass(frozen=True)
class Request:
    seq: int
    reply_seq: int | None
    reply: Reply
    rank: int | None = None  # from the engine's record: the card rank granted or refused (1 = its highest)
    # after a refusal, the same step asked for again (or a bigger one): not a fall-back (从高到低)
    again: bool = False

    @property
    def secured(self) -> bool:
        return self.reply in ("accepted", "countered")


@dataclass
class CommitmentReport:
    requests: list[Request] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)

    @property
    def requested(self) -> bool:
        return bool(self.requests)

    @property
    def secured_by(self) -> Request | None:
        return next((r for r in self.requests if r.secured), None)


def classify_reply(text: str, cues: Cues) -> Reply:
    """What a customer reply does to a commitment request."""
    if cues.has("vague", text) and not (cues.has("slot", text) and cues.has("offer", text)):
        return "vague"  # "方案再说" after "下周三我带赵磊过去看一趟" puts off the plan, not the visit it offers
    concrete = cues.has("slot", text) or cues.has("offer", text)
    hedged = cues.patterns.get("hedged_before")
    refusals = [m for m in cues.patterns["refuse"].finditer(text) if hedged is None or not hedged.search(text[:m.start()])]
    if refusals:
        # "下周不行" / "Not next week" names a time but offers nothing: a refusal (DESIGN 2.5). A
        # counter-proposal comes after the refusal, with its own time or step ("周三不行,那就周五吧").
        rest = text[refusals[-1].end():]
        if "dismiss" in cues.patterns and cues.has("dismiss", rest):
            return "refused"  # "No. … Mark can walk you out": someone to see the trainee off is no step offered
        before = text[:refusals[-1].start()]  # "I'll have her sit in. Not next week… The week after, Tuesday"
        # a day named first and the days that do not suit after it ("下周三吧,周一周二有检查,走不开") counter too
        own = cues.has("slot", rest) or cues.has("offer", rest) or (cues.has("slot", before) and cues.has("counter", before))
        # 周五呢? / Thursday, though? / the Tuesday after works
        offered = (cues.has("offer", rest) or cues.has("counter", rest) or cues.has("accept", rest) or "?" in rest
                   or cues.has("offer", before) or cues.has("accept", before) or cues.has("counter", before))
        return "countered" if own and offered else "refused"
    if cues.has("accept", text):
        return "accepted"
    if concrete and cues.has("counter", text):
        return "countered"
    return "unclear"


def own_task_only(text: str, cues: Cues) -> bool:
    """A request that offers the trainee's own next task (sending material, a follow-up call) and asks
    the customer for no step of its own: a yes to it moves nothing (DESIGN 2.5, 'not words, not a plan')."""
    own, step = cues.patterns.get("own_task"), cues.patterns.get("customer_step")
    return own is not None and step is not None and own.search(text) is not None and step.search(text) is None


def elements_of(texts: list[tuple[str, str]]) -> list[Element]:
    """Elements present in any of the (text, lang) pairs, in the order time, people, action, benefit."""
    found = set()
    for text, lang in texts:
        cues = load_cues(lang)
        found.update(e for e in ELEMENTS if cues.has(e, text))
    return [e for e in ELEMENTS if e in found]


def _recorded_reply(replies: list[Turn]) -> tuple[Turn | None, Reply, int | None]:
    """The reply to a request as the engine recorded it: granted, refused, or neither, with the
    rank of the commitment it decided on."""
    for turn in replies:
        for kind, verdict in (("grant", "accepted"), ("refuse", "refused")):
            act = next((a for a in turn.acts or [] if a.get("kind") == kind), None)
            if act is not None:
                rank = act.get("rank")
                return turn, verdict, rank if isinstance(rank, int) else None  # type: ignore[return-value]
    return (replies[0], "unclear", None) if replies else (None, "none", None)


def _answer(turns: list[Turn], index: int) -> list[Turn]:
    """The customer's answer to the request at `index`: its first turn after it, and the turns it
    adds before the trainee speaks again (after a pause: "Tom won't give half a day to a sketch."
    … "Here's what I'll do instead. Next Wednesday at ten, Lisa and me.")."""
    later = turns[index + 1:]
    start = next((j for j, t in enumerate(later) if t.speaker == "customer"), None)
    if start is None:
        return []
    stop = next((j for j, t in enumerate(later[start:], start) if t.speaker == "trainee"), len(later))
    return later[start:stop]


def _read_answer(seq: int, answer: list[Turn], texts: dict[int, tuple[str, str]]) -> Request:
    """The first turn decides, unless what the customer adds before the trainee speaks secures the
    request (a counter-proposal or an acceptance after a refusal or a doubt)."""
    text, lang = texts[answer[0].seq]
    first = classify_reply(text, load_cues(lang))
    if first in ("accepted", "countered") or len(answer) == 1:
        return Request(seq, answer[0].seq, first)
    whole = " ".join(texts[t.seq][0] for t in answer)
    verdict = classify_reply(whole, load_cues(lang))
    return Request(seq, answer[-1].seq, verdict) if verdict in ("accepted", "countered") else Request(seq, answer[0].seq, first)


def _conditional(text: str, lang: str) -> bool:
    """Whether a reply puts its yes on a condition (as long as…, 只要…, 领导同意的话就行)."""
    cues = load_cues(lang)
    return "condition" in cues.patterns and cues.has("condition", text)


def _retractions(report: CommitmentReport, turns: list[Turn], texts: dict[int, tuple[str, str]]) -> None:
    """A step the customer agreed to and later takes back ("你刚说的那个记录……也先放放", "on second
    thought, hold off on the figures") is no longer secured: the session ends without it."""
    for i, req in enumerate(report.requests):
        if not req.secured or req.reply_seq is None:
            continue
        later = [t for t in turns if t.seq > req.reply_seq and t.speaker == "customer"]
        # "So yes, as long as two things hold" and the conditions then not met: the later refusal takes the yes back
        withdrawn = _conditional(*texts[req.reply_seq]) and any(r.reply == "refused" for r in report.requests[i + 1:])
        if withdrawn or any(load_cues(texts[t.seq][1]).has("retract", texts[t.seq][0]) for t in later):
            report.requests[i] = Request(req.seq, req.reply_seq, "refused", req.rank)


def _conditions_met(report: CommitmentReport, turns: list[Turn], texts: dict[int, tuple[str, str]]) -> None:
    """A yes put off on a condition ("会上同意…这个会就定", "if Tom signs off, sure") is secured when the customer
    later says the condition is met and the step is on ("会上定了…那就下周四下午一点半"), before the trainee
    asks for anything else."""
    for i, req in enumerate(report.requests):
        if req.secured or req.reply_seq is None or not _conditional(*texts[req.reply_seq]):
            continue
        until = report.requests[i + 1].seq if i + 1 < len(report.requests) else None
        for turn in turns:
            if turn.speaker != "customer" or turn.seq <= req.reply_seq or (until is not None and turn.seq > until):
                continue
            later, later_lang = texts[turn.seq]
            verdict = classify_reply(later, load_cues(later_lang))
            if verdict in ("accepted", "countered") and load_cues(later_lang).has("slot", later):
                report.requests[i] = Request(req.seq, turn.seq, verdict, req.rank)
                break


def _named(cue: str, text: str, cues: Cues) -> set[str]:
    """The words of a kind (action, people) a request names; words that only settle what was asked
    (定下来, "lock it in") name no step."""
    settle = cues.patterns.get("settle")
    return {word for word in cues.words(cue, text) if settle is None or settle.search(word) is None}


def _same_step(text: str, refused: list[str], cues: Cues) -> bool:
    """Whether a request after a refusal asks for a refused step again, read from the words: the
    same request in barely different words; or, unless it says it asks for less (退一步, 至少, "at
    least", "instead", "just the figures"), one that names no action and no person at all, only
    another time ("那下下周呢?"), or none the refused one did not ("What about the November meeting?")."""
    normal_text = normal(text)
    named = _named("action", text, cues) | _named("people", text, cues)
    less = "fall_back" in cues.patterns and cues.has("fall_back", text)
    return any(similar(normal_text, normal(other))
               or not less and all(word in other for word in named)  # no action or person the refused one did not name
               for other in refused)


def _mark_asked_again(report: CommitmentReport, texts: dict[int, tuple[str, str]]) -> None:
    """Mark the requests that, after a refusal, ask for the same step again or a bigger one
    (seed 002, 从高到低: falling back is asking for less). From the engine's record by the ranks
    it refused (1 = the card's highest); else from the words."""
    refused_ranks: list[int] = []
    refused_texts: list[str] = []
    for i, req in enumerate(report.requests):
        if refused_texts:
            text, lang = texts[req.seq]
            if req.rank is not None and refused_ranks:
                again = req.rank <= max(refused_ranks)
            else:
                again = _same_step(text, refused_texts, load_cues(lang))
            if again:
                report.requests[i] = req = replace(req, again=True)
        if req.reply in ("vague", "refused", "unclear"):
            refused_texts.append(texts[req.seq][0])
            if req.rank is not None:
                refused_ranks.append(req.rank)


def read(turns: list[Turn], labels: dict[int, LineLabel], lang: str, from_acts: bool = False) -> CommitmentReport:
    """Every commitment request with the customer's reply, and the elements of the best one.
    `from_acts`: read the replies from the engine's record instead of their words."""
    report = CommitmentReport()
    texts = {t.seq: normalise(t.text, lang) for t in turns}
    for i, turn in enumerate(turns):
        if turn.speaker != "trainee" or labels[turn.seq].label != "commitment_request":
            continue
        if from_acts:
            later = turns[i + 1:]
            stop = next((j for j, t in enumerate(later) if t.speaker == "trainee"), len(later))
            recorded, verdict, rank = _recorded_reply([t for t in later[:stop] if t.speaker == "customer"])
            report.requests.append(Request(turn.seq, recorded.seq if recorded else None, verdict, rank))
            continue
        text, text_lang = texts[turn.seq]
        if own_task_only(text, load_cues(text_lang)):
            continue
        answer = _answer(turns, i)
        if not answer:
            report.requests.append(Request(turn.seq, None, "none"))
            continue
        report.requests.append(_read_answer(turn.seq, answer, texts))
    if not from_acts:
        _conditions_met(report, turns, texts)
    _retractions(report, turns, texts)
    _mark_asked_again(report, texts)
    best = report.secured_by
    if best is not None:
        said = [texts[t.seq] for t in turns if best.seq < t.seq <= best.reply_seq and t.speaker == "customer"]  # type: ignore[operator]
        report.elements = elements_of([texts[best.seq], *said])
    elif report.requests:
        report.elements = elements_of([texts[report.requests[-1].seq]])
    return report
