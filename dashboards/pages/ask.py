"""Ask page: a chat with the twin whose answers are checked against computed facts; the
last answer downloads as an HTML report."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Any

import panel as pn

from twinbench.workbench import Workbench

from .shared import Page

if TYPE_CHECKING:
    from twinbench.llm.ask import Answer

__all__ = ["AskPage"]


class AskPage(Page):
    """Ask the twin: a chat whose answers are checked against computed facts; the last
    answer downloads as an HTML report.

    Parameters
    ----------
    wb
        The plant's session (its what-if context answers what-if questions).
    """

    def __init__(self, wb: Workbench, **params: Any) -> None:
        super().__init__(wb, **params)
        self.last: Answer | None = None
        self.chat = pn.chat.ChatInterface(
            callback=self._answer, callback_user="twin", show_rerun=False, show_undo=False,
            show_clear=False, sizing_mode="stretch_width", height=520,
            placeholder_text="e.g. what if supplier S2 is two weeks late?")
        self.download = pn.widgets.FileDownload(
            callback=self._report, filename="twin_answer.html", button_type="primary",
            label="Download the last answer (HTML report)", disabled=True)

    async def _answer(self, contents: str, user: str, instance: pn.chat.ChatInterface) -> str:
        from twinbench.llm.ask import ask

        try:
            answer = await asyncio.to_thread(ask, contents, self.wb.run_context,
                                             seed=self.wb.seed)
        except Exception as err:  # shown in the chat, the page stays usable
            return f"Failed: {err}"
        self.last = answer
        self.download.disabled = False
        return str(answer)

    def _report(self) -> io.StringIO | None:
        from twinbench.llm.report import answer_report

        return io.StringIO(answer_report(self.last)) if self.last is not None else None

    def __panel__(self) -> pn.Column:
        return pn.Column(
            pn.pane.Markdown("## Ask the twin\nWhat-if questions run as scenarios against the "
                             "base; how/why questions are answered from the plant's documents. "
                             "Every number shown is checked against computed facts; "
                             "AI-written text is labelled."),
            self.chat, self.download, sizing_mode="stretch_width")
