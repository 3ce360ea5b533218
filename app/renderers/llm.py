"""The LLM renderer: LangChain ChatOpenAI against any OpenAI-compatible endpoint.

The prompt (Jinja2 templates in prompts/llm/) carries the persona's public side, the
engine's move, and only the facts, action and concern that this move gives away; no prompt
a trainee writes can make the model say what the engine has not granted, because the
model never sees it. Errors and time-outs are the caller's to catch: the turn then falls
back to the template renderer.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from app.core.yamlio import load_yaml
from app.engine.personas import PersonaCard
from app.engine.state import CustomerMove, CustomerState
from app.renderers.template import FACT_INTENTS


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
        self._model = ChatOpenAI(
            base_url=base_url, model=model, api_key=api_key, timeout=timeout_s, max_retries=0, temperature=0.7
        )

    def _steps(self, card: PersonaCard, move: CustomerMove) -> list[dict[str, str]]:
        """One instruction per intent, with exactly the values the move gives away."""
        facts = iter(move.facts)
        action = next((c.action for c in card.commitments if c.id == move.commitment), "")
        steps = []
        for intent in move.intents:
            step = {"instruction": self._intents[card.language][intent], "fact": "", "action": "", "concern": ""}
            if intent in FACT_INTENTS:
                step["fact"] = card.fact_by_id[next(facts)].text
            if intent == "commit_grant":
                step["action"] = action
            if intent in ("concern", "commit_refuse_concern"):
                step["concern"] = card.concern.topic
            steps.append(step)
        return steps

    def messages(
        self, card: PersonaCard, state: CustomerState, move: CustomerMove, trainee_line: str
    ) -> list[BaseMessage]:
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
