"""HD44780 character LCDs in 4-bit mode, driven through gpiozero output devices.

A 7-segment display cannot show ticket codes such as ``K012`` or ``M104``, so each
counter may have a 16×2 HD44780 LCD (the common "1602" module) showing its number,
its current ticket and its state. Several displays share one bus (RS and D4–D7) and
each has its own enable line (E); R/W is tied to GND, so the displays never drive the
Pi's pins. The HD44780 ROM has no Vietnamese letters: text is shown without
diacritics (``"Đang gọi"`` → ``"Dang goi"``).

    from counter_buttons.display import CharLCD, LCDBus

    bus = LCDBus(rs=7, d4=8, d5=9, d6=10, d7=11)
    lcd = CharLCD(bus, enable=25)                  # 16 columns, 2 rows
    lcd.show("Quầy 1      A012", "Đang gọi")       # only changed rows are rewritten
    lcd.close(); bus.close()

Works with any gpiozero pin factory (lgpio on a Pi 5, MockFactory in tests).
"""

from __future__ import annotations

import threading
import time
import unicodedata

from gpiozero import CompositeDevice, OutputDevice

# HD44780 instructions (datasheet table 6).
CLEAR = 0x01
ENTRY_MODE = 0x04 | 0x02  # increment the address, no display shift
DISPLAY_ON = 0x08 | 0x04  # display on, cursor off, blink off
FUNCTION_4BIT_2LINE = 0x20 | 0x08  # 4-bit bus, 2 lines (also 4-line modules), 5×8 font
SET_DDRAM = 0x80
MAX_ROWS = 4

# Execution times (datasheet: 37 µs, 1.52 ms for clear/home); rounded up for slow clones.
_SHORT = 0.0001
_LONG = 0.002


def row_address(row: int, columns: int) -> int:
    """DDRAM address of a row's first character (rows 3 and 4 continue rows 1 and 2)."""
    return (0x40 if row % 2 else 0x00) + (columns if row >= 2 else 0)


def lcd_text(text: str) -> str:
    """``text`` as the HD44780's ROM A00 can show it: ASCII, Vietnamese without diacritics."""
    text = text.replace("đ", "d").replace("Đ", "D")
    plain = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    # ROM A00 shows '\\' as ¥ and '~' as →; anything else non-ASCII has no glyph.
    return "".join(ch if " " <= ch <= "}" and ch != "\\" else "?" for ch in plain)


class LCDBus(CompositeDevice):
    """The RS and D4–D7 lines shared by all displays; writes are serialised by a lock."""

    def __init__(self, rs, d4, d5, d6, d7, *, pin_factory=None):
        super().__init__(
            rs=OutputDevice(rs, pin_factory=pin_factory),
            d4=OutputDevice(d4, pin_factory=pin_factory),
            d5=OutputDevice(d5, pin_factory=pin_factory),
            d6=OutputDevice(d6, pin_factory=pin_factory),
            d7=OutputDevice(d7, pin_factory=pin_factory),
            _order=("rs", "d4", "d5", "d6", "d7"),
            pin_factory=pin_factory,
        )
        self.lock = threading.RLock()

    def nibble(self, enable: OutputDevice, value: int, *, data: bool) -> None:
        """Put four bits on D4–D7 and pulse ``enable`` (the display latches on its fall)."""
        self.rs.value = data
        for i, line in enumerate((self.d4, self.d5, self.d6, self.d7)):
            line.value = bool(value >> i & 1)
        enable.on()
        enable.off()  # the pulse is far longer than the 450 ns minimum at Python speeds

    def byte(self, enable: OutputDevice, value: int, *, data: bool) -> None:
        self.nibble(enable, value >> 4, data=data)
        self.nibble(enable, value & 0x0F, data=data)
        time.sleep(_SHORT)


class CharLCD(CompositeDevice):
    """One HD44780 display on a shared :class:`LCDBus`, with its own enable pin."""

    def __init__(self, bus: LCDBus, enable, *, columns: int = 16, rows: int = 2, pin_factory=None):
        if not 1 <= rows <= MAX_ROWS:
            raise ValueError(f"rows must be 1 to {MAX_ROWS}")
        super().__init__(enable=OutputDevice(enable, pin_factory=pin_factory), pin_factory=pin_factory)
        self.bus = bus
        self.columns = columns
        self.rows = rows
        self._shown: list[str | None] = [None] * rows
        self._initialise()

    @property
    def lines(self) -> list[str]:
        """The text on each row now (as written to the display, padded to the width)."""
        return [line if line is not None else " " * self.columns for line in self._shown]

    def show(self, *lines: str) -> None:
        """Show up to ``rows`` lines (cut or padded to the width); unchanged rows are not rewritten."""
        if len(lines) > self.rows:
            raise ValueError(f"this display has {self.rows} rows, not {len(lines)}")
        wanted = [lcd_text(t)[: self.columns].ljust(self.columns) for t in lines]
        wanted += [" " * self.columns] * (self.rows - len(wanted))
        with self.bus.lock:
            for row, text in enumerate(wanted):
                if self._shown[row] == text:
                    continue
                self._command(SET_DDRAM | row_address(row, self.columns))
                for ch in text:
                    self.bus.byte(self.enable, ord(ch), data=True)
                self._shown[row] = text

    def clear(self) -> None:
        with self.bus.lock:
            self._command(CLEAR)
            time.sleep(_LONG)
            self._shown = [" " * self.columns] * self.rows

    def close(self) -> None:
        if not self.closed and getattr(self, "bus", None) is not None and not self.bus.closed:
            try:
                self.clear()
            except Exception:  # closing must not fail because the display cannot be cleared
                pass
        super().close()

    # ------------------------------------------------------------------ internals
    def _command(self, value: int) -> None:
        self.bus.byte(self.enable, value, data=False)

    def _initialise(self) -> None:
        """The 4-bit initialisation by instruction (datasheet figure 24)."""
        with self.bus.lock:
            self.enable.off()
            time.sleep(0.05)  # > 40 ms after power reaches 2.7 V
            for wait in (0.0045, 0.0045, 0.00015):
                self.bus.nibble(self.enable, 0x3, data=False)  # "8-bit" three times: resync
                time.sleep(wait)
            self.bus.nibble(self.enable, 0x2, data=False)  # now 4-bit
            time.sleep(_SHORT)
            self._command(FUNCTION_4BIT_2LINE if self.rows > 1 else 0x20)
            self._command(DISPLAY_ON)
            self._command(CLEAR)
            time.sleep(_LONG)
            self._command(ENTRY_MODE)
            self._shown = [" " * self.columns] * self.rows
