"""Everything a request needs that lives as long as the app: built once by create_app."""

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, TypeVar

from anyio import CapacityLimiter, to_thread
from sqlalchemy import Engine
from sqlmodel import Session

from app.core.clock import Clock
from app.core.config import Settings
from app.engine.personas import PersonaCard
from app.renderers.llm import LlmRenderer
from app.renderers.template import TemplateRenderer
from scoring import Rubric

T = TypeVar("T")


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    clock: Clock
    engine: Engine
    personas: dict[str, PersonaCard]
    renderer: TemplateRenderer
    rubric: Rubric
    certificate_key: bytes  # signs certificates (app/core/keys.py)
    llm: LlmRenderer | None = None
    # How many database calls run at once. SQLite has one writer: its calls go through one
    # lane, in order, rather than many threads queueing on its file lock (whose busy-wait
    # sleeps make the slow tail). PostgreSQL gets a few: more threads only fight over the GIL.
    db_lane: CapacityLimiter | None = None

    def db(self) -> Session:
        """A new database session; rows stay readable after commit."""
        return Session(self.engine, expire_on_commit=False)

    async def run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run a repo function in a worker thread with its own database session."""

        def call() -> T:
            with self.db() as db:
                return fn(db, **kwargs)

        return await to_thread.run_sync(partial(call), limiter=self.db_lane)
