"""Tests for ticket_printer.printer against a fake network printer on loopback."""

from __future__ import annotations

import time

import pytest
from PIL import Image

from ticket_printer import printer as printer_mod
from ticket_printer.printer import (
    CoverOpen,
    PaperOut,
    PrinterConfigError,
    PrinterError,
    PrinterOffline,
    PrinterStatus,
    PrinterUnknownState,
    TicketPrinter,
    decode_status,
    error_for_status,
)
from ticket_printer.render import example_ticket_info, render_ticket
from ticket_printer.testing import FakePrinter, count_cuts, decode_raster, free_port, parse_escpos, stack_images


@pytest.fixture
def fake():
    with FakePrinter() as printer:
        yield printer


@pytest.fixture(scope="module")
def ticket_576() -> Image.Image:
    return render_ticket(example_ticket_info(), 576)


@pytest.fixture(scope="module")
def ticket_384() -> Image.Image:
    return render_ticket(example_ticket_info(), 384)


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.mode == b.mode == "1" and a.tobytes() == b.tobytes()


# -- printing through python-escpos' Network connection ----------------------------


@pytest.mark.parametrize("width", [384, 576])
def test_print_roundtrip_pixel_for_pixel(fake, width, ticket_384, ticket_576):
    ticket = {384: ticket_384, 576: ticket_576}[width]
    tp = TicketPrinter(fake.config(width_px=width))
    assert tp.print_ticket(ticket) is PrinterStatus.OK
    assert fake.wait_closed()
    printed = stack_images(fake.images)
    assert same_pixels(printed, ticket)
    assert fake.cuts == 1
    assert fake.connections == 1
    # Status first, then the image(s), then the cut.
    kinds = [e.kind for e in parse_escpos(fake.received) if e.kind != "byte"]
    assert kinds[:3] == ["status", "status", "status"]
    assert kinds[-1] == "cut"
    assert set(kinds[3:-1]) == {"init", "raster"}
    assert fake.status_queries == [1, 2, 4]


def test_tall_ticket_is_sent_in_fragments(fake, ticket_576):
    tp = TicketPrinter(fake.config(fragment_height=256))
    tp.print_ticket(ticket_576)
    assert fake.wait_closed()
    images = fake.images
    assert len(images) == -(-ticket_576.height // 256)
    assert all(image.height <= 256 for image in images)
    assert same_pixels(stack_images(images), ticket_576)


def test_each_job_uses_a_new_connection(fake, ticket_384):
    tp = TicketPrinter(fake.config(width_px=384))
    tp.print_ticket(ticket_384)
    tp.status()
    tp.print_ticket(ticket_384)
    assert fake.wait_closed(3)
    assert fake.connections == 3
    assert fake.cuts == 2


def test_printer_power_cycled_between_tickets(ticket_384):
    first = FakePrinter().start()
    port = first.port
    tp = TicketPrinter(first.config(width_px=384))
    try:
        tp.print_ticket(ticket_384)
        assert first.wait_closed()
        assert first.cuts == 1
    finally:
        first.stop()
    # Power off: nothing listens.
    assert tp.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterOffline):
        tp.print_ticket(ticket_384)
    # Power on again at the same address.
    with FakePrinter(port=port) as second:
        assert tp.print_ticket(ticket_384) is PrinterStatus.OK
        assert second.wait_closed()
        assert same_pixels(stack_images(second.images), ticket_384)
        assert second.cuts == 1


# -- status --------------------------------------------------------------------------


@pytest.mark.parametrize("mode, expected", [
    ("online", PrinterStatus.OK),
    ("paper_low", PrinterStatus.PAPER_LOW),
    ("paper_out", PrinterStatus.PAPER_OUT),
    ("cover_open", PrinterStatus.COVER_OPEN),
    ("offline", PrinterStatus.OFFLINE),
    ("silent", PrinterStatus.UNKNOWN),
    ("hangup", PrinterStatus.UNKNOWN),
])
def test_status_for_each_mode(fake, mode, expected):
    fake.mode = mode
    tp = TicketPrinter(fake.config())
    started = time.monotonic()
    assert tp.status() is expected
    assert time.monotonic() - started < 2.0  # status_timeout is 0.3 s
    assert fake.wait_closed()
    # No reply to DLE EOT 1: give up at once instead of waiting for 2 and 4 too.
    assert fake.status_queries == ([1] if mode in ("silent", "hangup") else [1, 2, 4])
    assert fake.images == [] and fake.cuts == 0


def test_status_when_nothing_listens_is_offline():
    tp = TicketPrinter({"kind": "network", "host": "127.0.0.1", "port": free_port(), "timeout": 2})
    assert tp.status() is PrinterStatus.OFFLINE


def test_network_connections_have_timeouts():
    tp = TicketPrinter({"kind": "network", "host": "127.0.0.1"})
    assert tp.timeout == 5.0 and tp.status_timeout == 1.0 and tp.port == 9100
    conn = tp._new_connection()
    assert conn.timeout == 5.0


@pytest.mark.parametrize("printer, cause, paper, expected", [
    (0x12, 0x12, 0x12, PrinterStatus.OK),
    (0x12, 0x12, 0x1E, PrinterStatus.PAPER_LOW),
    (0x12, 0x12, 0x16, PrinterStatus.PAPER_LOW),  # one near-end bit is enough
    (0x1A, 0x32, 0x72, PrinterStatus.PAPER_OUT),
    (0x1A, 0x32, None, PrinterStatus.PAPER_OUT),
    (0x1A, 0x12, 0x72, PrinterStatus.PAPER_OUT),
    (0x1A, 0x16, 0x12, PrinterStatus.COVER_OPEN),
    (0x1A, 0x36, 0x72, PrinterStatus.COVER_OPEN),  # cover open wins
    (0x1A, 0x12, 0x12, PrinterStatus.OFFLINE),
    (0x12, 0x52, 0x12, PrinterStatus.OFFLINE),  # error bit
    (0x1A, None, None, PrinterStatus.OFFLINE),
    (None, 0x12, 0x12, PrinterStatus.UNKNOWN),
    (0x12, None, 0x12, PrinterStatus.UNKNOWN),
    (0x12, 0x12, None, PrinterStatus.UNKNOWN),  # no paper reply never means paper OK
])
def test_decode_status(printer, cause, paper, expected):
    assert decode_status(printer, cause, paper) is expected


@pytest.mark.parametrize("reply, expected", [
    (b"", None),
    (None, None),
    (b"\x00", None),  # fixed bits wrong: not a status byte
    (b"\xff", None),
    (b"\x12", 0x12),
    (b"\x12\x1e", 0x1E),  # the latest reply wins
    (b"\x1e\x00", 0x1E),
])
def test_status_byte_validation(reply, expected):
    assert printer_mod._status_byte(reply) == expected


def test_escpos_own_helpers_are_wrong_on_empty_replies():
    """Why TicketPrinter does not use python-escpos' is_online()/paper_status()."""
    from escpos.printer import Dummy

    class EmptyReply(Dummy):
        def _read(self):
            return b""

    conn = EmptyReply()
    assert conn.is_online() is False  # would be OFFLINE, not UNKNOWN
    assert conn.paper_status() == 2  # "paper adequate" from no reply at all


# -- refusing to print ---------------------------------------------------------------


@pytest.mark.parametrize("mode, error, status", [
    ("paper_out", PaperOut, PrinterStatus.PAPER_OUT),
    ("cover_open", CoverOpen, PrinterStatus.COVER_OPEN),
    ("offline", PrinterOffline, PrinterStatus.OFFLINE),
    ("silent", PrinterUnknownState, PrinterStatus.UNKNOWN),
    ("hangup", PrinterUnknownState, PrinterStatus.UNKNOWN),
])
def test_print_refuses_and_sends_no_raster(fake, ticket_384, mode, error, status):
    fake.mode = mode
    tp = TicketPrinter(fake.config(width_px=384))
    with pytest.raises(error) as excinfo:
        tp.print_ticket(ticket_384)
    assert isinstance(excinfo.value, PrinterError)
    assert excinfo.value.status is status
    assert fake.wait_closed()
    assert decode_raster(fake.received) == []
    assert fake.cuts == 0
    assert status.label_vi in str(excinfo.value)


def test_paper_low_still_prints(fake, ticket_384):
    fake.mode = "paper_low"
    tp = TicketPrinter(fake.config(width_px=384))
    assert tp.print_ticket(ticket_384) is PrinterStatus.PAPER_LOW
    assert fake.wait_closed()
    assert same_pixels(stack_images(fake.images), ticket_384)


def test_caller_may_print_without_status_check(fake, ticket_384):
    fake.mode = "silent"
    tp = TicketPrinter(fake.config(width_px=384))
    with pytest.raises(PrinterUnknownState):
        tp.print_ticket(ticket_384)
    assert fake.wait_closed()
    fake.clear()
    assert tp.print_ticket(ticket_384, check_status=False) is PrinterStatus.UNKNOWN
    assert fake.wait_closed()
    assert fake.status_queries == []
    assert same_pixels(stack_images(fake.images), ticket_384)
    assert fake.cuts == 1


def test_check_status_config_default(fake, ticket_384):
    fake.mode = "silent"
    tp = TicketPrinter(fake.config(width_px=384, check_status=False))
    tp.print_ticket(ticket_384)
    assert fake.wait_closed()
    assert fake.status_queries == [] and fake.cuts == 1


def test_print_with_nothing_listening_raises_offline(ticket_384):
    tp = TicketPrinter({"kind": "network", "host": "127.0.0.1", "port": free_port(),
                        "width_px": 384})
    with pytest.raises(PrinterOffline):
        tp.print_ticket(ticket_384)
    with pytest.raises(PrinterOffline):
        tp.print_ticket(ticket_384, check_status=False)


def test_image_wider_than_paper_is_rejected(fake, ticket_576):
    tp = TicketPrinter(fake.config(width_px=384))
    with pytest.raises(ValueError):
        tp.print_ticket(ticket_576)
    assert fake.connections == 0


def test_non_1bit_image_is_converted(fake):
    image = Image.new("L", (384, 40), 255)
    image.paste(0, (10, 10, 100, 30))
    tp = TicketPrinter(fake.config(width_px=384))
    tp.print_ticket(image)
    assert fake.wait_closed()
    assert same_pixels(stack_images(fake.images), image.convert("1"))


def test_print_info_renders_at_printer_width(fake):
    tp = TicketPrinter(fake.config(profile="TM-T88V"))
    assert tp.width_px == 512
    tp.print_info(example_ticket_info())
    assert fake.wait_closed()
    assert same_pixels(stack_images(fake.images), render_ticket(example_ticket_info(), 512))


# -- cut modes -------------------------------------------------------------------------


@pytest.mark.parametrize("cut, expected", [("full", [0]), ("partial", [1]), ("none", [])])
def test_cut_modes(cut, expected, ticket_384):
    tp = TicketPrinter({"kind": "dummy", "width_px": 384, "cut": cut})
    tp.print_ticket(ticket_384)
    assert [e.value for e in parse_escpos(tp.dummy_output) if e.kind == "cut"] == expected


def test_profile_without_cutter_feeds_only(ticket_384):
    tp = TicketPrinter({"kind": "dummy", "profile": "NT-5890K"})
    assert tp.width_px == 384
    tp.print_ticket(ticket_384)
    assert count_cuts(tp.dummy_output) == 0
    assert same_pixels(stack_images(decode_raster(tp.dummy_output)), ticket_384)


# -- dummy -------------------------------------------------------------------------------


def test_dummy_printer(ticket_576):
    tp = TicketPrinter({"kind": "dummy", "width_px": 576})
    assert tp.check_status is False
    assert tp.status() is PrinterStatus.UNKNOWN
    assert tp.print_ticket(ticket_576) is PrinterStatus.UNKNOWN
    output = tp.dummy_output
    assert same_pixels(stack_images(decode_raster(output)), ticket_576)
    assert count_cuts(output) == 1
    assert [e for e in parse_escpos(output) if e.kind == "status"] == []
    with pytest.raises(PrinterUnknownState):
        tp.print_ticket(ticket_576, check_status=True)
    assert tp.dummy_output == output  # refused: nothing more sent


def test_dummy_output_only_for_dummy(fake):
    with pytest.raises(TypeError):
        _ = TicketPrinter(fake.config()).dummy_output


def test_file_printer(tmp_path, ticket_384):
    device = tmp_path / "lp0"
    device.touch()
    tp = TicketPrinter({"kind": "file", "device": str(device), "width_px": 384})
    assert tp.check_status is False
    assert tp.status() is PrinterStatus.UNKNOWN
    tp.print_ticket(ticket_384)
    data = device.read_bytes()
    assert same_pixels(stack_images(decode_raster(data)), ticket_384)
    assert count_cuts(data) == 1
    missing = TicketPrinter({"kind": "file", "device": str(tmp_path / "nope" / "lp0")})
    assert missing.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterOffline):
        missing.print_ticket(ticket_384)


# -- config ----------------------------------------------------------------------------


@pytest.mark.parametrize("config, match", [
    ({}, "kind"),
    ({"kind": "bluetooth"}, "kind"),
    ({"kind": "network"}, "host"),
    ({"kind": "network", "host": "x", "hots": 1}, "hots"),
    ({"kind": "usb", "vendor_id": 1}, "product_id"),
    ({"kind": "serial"}, "device"),
    ({"kind": "file"}, "device"),
    ({"kind": "dummy", "profile": "NO-SUCH-PRINTER"}, "profile"),
    ({"kind": "dummy", "profile": "TM-T88V", "width_px": 576}, "wider"),
    ({"kind": "dummy", "width_px": "wide"}, "width_px"),
    ({"kind": "dummy", "cut": "half"}, "cut"),
    ({"kind": "network", "host": "x", "timeout": 0}, "timeout"),
    ({"kind": "network", "host": "x", "port": "http"}, "port"),
    ({"kind": "network", "host": "x", "check_status": "no"}, "check_status"),
    ({"kind": ["network"]}, "kind"),
])
def test_bad_config(config, match):
    with pytest.raises(PrinterConfigError, match=match):
        TicketPrinter(config)


@pytest.mark.parametrize("profile, width", [("TM-T88V", 512), ("TM-T20II", 576), ("NT-5890K", 384)])
def test_width_from_profile(profile, width):
    assert TicketPrinter({"kind": "dummy", "profile": profile}).width_px == width


def test_width_fallback_warns(caplog):
    tp = TicketPrinter({"kind": "dummy"})
    assert tp.width_px == 576
    assert "width_px" in caplog.text


def test_usb_ids_accept_hex_strings():
    from escpos.printer import Usb

    if not Usb.is_usable():
        with pytest.raises(PrinterConfigError, match="pyusb"):
            TicketPrinter({"kind": "usb", "vendor_id": "0x0416", "product_id": "0x5011"})
        return
    tp = TicketPrinter({"kind": "usb", "vendor_id": "0x0416", "product_id": "0x5011"})
    assert (tp.vendor_id, tp.product_id) == (0x0416, 0x5011)


def test_error_for_status():
    assert isinstance(error_for_status(PrinterStatus.PAPER_OUT), PaperOut)
    assert isinstance(error_for_status(PrinterStatus.UNKNOWN), PrinterUnknownState)
    with pytest.raises(ValueError):
        error_for_status(PrinterStatus.OK)


# -- the fake printer's own parser ---------------------------------------------------------


def test_decode_raster_ignores_command_bytes_inside_image_data():
    # One 16x3 image whose data bytes spell DLE EOT 1 and GS V 0.
    data = bytes([0x10, 0x04, 0x01, 0x1D, 0x56, 0x00])
    stream = b"\x1b@" + b"\x1dv0\x00" + bytes([2, 0, 3, 0]) + data + b"\x1dV\x00"
    events = parse_escpos(stream)
    assert [e.kind for e in events] == ["init", "raster", "cut"]
    (image,) = decode_raster(stream)
    assert image.size == (16, 3)
    # Bit set = printed dot = black (0) in mode "1".
    assert image.getpixel((3, 0)) == 0 and image.getpixel((0, 0)) == 255
    assert count_cuts(stream) == 1


def test_fake_printer_rejects_unknown_mode():
    with pytest.raises(ValueError):
        FakePrinter(mode="on fire")
