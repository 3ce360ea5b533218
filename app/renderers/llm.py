"""The LLM renderer: LangChain ChatOpenAI against any OpenAI-compatible endpoint.

The prompt (Jinja2 templates in prompts/llm/) carries the persona's public side, the
engine's acts, and only the facts, action and concern that these acts give away; no prompt
a trainee writes can make the model say what the engine has not granted, because the
model never sees it. The model only words the decision: `agrees_with` rejects words that
turn a refusal into a yes (or a grant into a no), and the caller then uses the templates;
the grader reads the engine's record, never the model's words. Errors and time-outs are the
caller's to catch: the turn then falls back to the template renderer.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.core.yamlio import load_yaml
from app.engine.personas import PersonaCard
from app.engine.state import CustomerMove, CustomerState
from app.renderers.template import phrase_key
from scoring.commitment import classify_reply
from scoring.cues import load_cues, normalise
from scoring.hearing import subjects

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage


class LlmRenderer:
    name = "llm"

    def __init__(
        self, *, base_url: str, model: str, api_key: str, timeout_s: float, stream: bool, prompts_dir: Path
    ) -> None:
        folder = prompts_dir / "llm"
        self._env = Environment(loader=FileSystemLoader(folder), undefined=StrictUndefined, autoescape=False)
        self._intents: dict[str, dict[str, str]] = load_yaml((folder / "intents.yaml").read_text(encoding="utf-8"))
        self._persona: dict[str, Any] = load_yaml((folder / "persona.yaml").read_text(encoding="utf-8"))
        self._stream = stream
        self.timeout_s = timeout_s
        # LangChain is imported here, not at the top: it takes two seconds to load, and a
        # server or command with no endpoint configured never needs it.
        from langchain_openai import ChatOpenAI

        self._model = ChatOpenAI(
            base_url=base_url, model=model, api_key=api_key, timeout=timeout_s, max_retries=0, temperature=0.7
        )

    def _steps(self, card: PersonaCard, move: CustomerMove) -> list[dict[str, str]]:
        """One instruction per act, with exactly the values the act gives away."""
        instructions = self._intents[card.language]
        steps = []
        for act in move.acts:
            key = phrase_key(act, card)
            instruction = instructions.get(key) or instructions[key.split("_", 1)[0] if key.startswith("answer_")
                                                                else act.kind]
            subject = subjects()[act.subject].said(card.language) if act.subject in subjects() else ""
            step = {"instruction": instruction.replace("{subject}", subject), "fact": "", "action": "", "concern": "",
                    "person": ""}
            if act.kind in ("reveal", "add_after_silence", "correct") and act.fact in card.fact_by_id:
                step["fact"] = card.fact_by_id[act.fact].text
            if key == "referral":
                step["person"] = card.other_person.text
            if act.commitment and act.kind == "grant":
                step["action"] = next(c.action for c in card.commitments if c.id == act.commitment)
            if act.kind == "voice_concern" or key in ("concern_explore", "concern_again"):
                concern = card.concern.real if act.detail == "real" and card.concern.real else card.concern
                step["concern"] = concern.topic if act.detail in ("personal", "real") else concern.objection
            steps.append(step)
        return steps

    @staticmethod
    def agrees_with(card: PersonaCard, move: CustomerMove, text: str) -> bool:
        """Whether the model's words say what the engine decided: a refusal must not read as a
        yes, a grant must not read as a no (as the grader would read the words of a transcript)."""
        kinds = {act.kind for act in move.acts}
        if not kinds & {"grant", "refuse"}:
            return True
        normal, lang = normalise(text, card.language)
        reply = classify_reply(normal, load_cues(lang))
        if "grant" in kinds:
            return reply in ("accepted", "countered", "unclear")
        return reply not in ("accepted", "countered")

    def messages(
        self, card: PersonaCard, state: CustomerState, move: CustomerMove, trainee_line: str
    ) -> list["BaseMessage"]:
        """What the model is shown for this turn; nothing more."""
        words = self._persona[card.language]
        trust_words = words["trust"]
        system = self._env.get_template("system.j2").render(
            language=card.language,
            card=card.summary(),
            motive_text=words["motive"][card.motive],
            trust_text=trust_words[min(move.trust_after * len(trust_words) // 101, len(trust_words) - 1)],
            concern_text=words["concern"][move.concern_after],
        )
        turn = self._env.get_template("turn.j2").render(
            language=card.language, trainee_line=trainee_line, steps=self._steps(card, move)
        )
        from langchain_core.messages import HumanMessage, SystemMessage

        return [SystemMessage(content=system), HumanMessage(content=turn)]

    async def stream(
        self, card: PersonaCard, state: CustomerState, move: CustomerMove, trainee_line: str
    ) -> AsyncIterator[str]:
        """The reply's text as it arrives (one piece when streaming is off)."""
        prompt = self.messages(card, state, move, trainee_line)
        if not self._stream:
            result = await self._model.ainvoke(prompt)
            yield str(result.content)
            return
        async for chunk in self._model.astream(prompt):
            if chunk.content:
                yield str(chunk.content)
