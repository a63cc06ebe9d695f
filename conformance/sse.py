"""Server-Sent Events, read as the WHATWG HTML standard's "event stream interpretation" says, with
every line and event bounded in size. Pure: bytes in, events out, no I/O.

The rules followed: UTF-8 (invalid bytes replaced), one leading BOM dropped; a line ends at CRLF,
LF or a lone CR (a CR at the end of one read may be the first half of a CRLF split across reads);
a line starting with ':' is a comment; a field's value loses exactly one leading space; `data`
lines join with LF; `id` without NUL sets the last event id; `retry` of ASCII digits sets the
reconnection time; a blank line dispatches, unless no data was given; an event cut short by the
end of the stream is never dispatched. Libraries that parse SSE (sseclient-py, httpx-sse) bound
neither a line nor an event, which a hostile stream can make any size.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

LINE_END = re.compile(r"\r\n|\r|\n")
MAX_LINE_CHARS = 64 * 1024  # a longer line is dropped (and said so); what is kept of it never grows past this
MAX_EVENT_CHARS = 256 * 1024  # an event whose data grows past this is dropped (and said so)


@dataclass(frozen=True)
class Event:
    type: str
    data: str
    id: str = ""


@dataclass
class SseDecoder:
    """Feed it bytes as they arrive; it returns the events they complete."""

    max_line: int = MAX_LINE_CHARS
    max_event: int = MAX_EVENT_CHARS
    retry_ms: int | None = None
    last_event_id: str = ""
    cut: list[str] = field(default_factory=list)  # what was dropped for its size, for the evidence

    def __post_init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._started = False  # the BOM may only come first
        self._after_cr = False  # the last read ended with CR: a leading LF completes that CRLF
        self._line: list[str] = []
        self._line_chars = 0
        self._overlong = False
        self._event_type = ""
        self._data: list[str] = []
        self._data_chars = 0
        self._event_cut = False
        self._id = ""

    def feed(self, chunk: bytes) -> list[Event]:
        text = self._decoder.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._after_cr and text:
            self._after_cr = False
            text = text.removeprefix("\n")
        events: list[Event] = []
        position = 0
        for match in LINE_END.finditer(text):
            self._extend(text[position:match.start()])
            position = match.end()
            if match.group() == "\r" and position == len(text):
                self._after_cr = True
            event = self._end_line()
            if event is not None:
                events.append(event)
        self._extend(text[position:])
        return events

    def _extend(self, piece: str) -> None:
        if self._overlong or not piece:
            return
        if self._line_chars + len(piece) > self.max_line:
            self._overlong, self._line, self._line_chars = True, [], 0
            return
        self._line.append(piece)
        self._line_chars += len(piece)

    def _end_line(self) -> Event | None:
        line, overlong = "".join(self._line), self._overlong
        self._line, self._line_chars, self._overlong = [], 0, False
        if overlong:
            self.cut.append(f"a line of more than {self.max_line} characters was dropped")
            return None
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event_type = value
        elif name == "data":
            self._data_chars += len(value) + 1
            if self._data_chars > self.max_event:
                self._event_cut = True
            else:
                self._data.append(value)
        elif name == "id" and "\x00" not in value:
            self._id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> Event | None:
        self.last_event_id = self._id
        event_type, data, cut = self._event_type, self._data, self._event_cut
        self._event_type, self._data, self._data_chars, self._event_cut = "", [], 0, False
        if cut:
            self.cut.append(f"an event of more than {self.max_event} characters of data was dropped")
            return None
        if not data:
            return None
        return Event(event_type or "message", "\n".join(data), self.last_event_id)
