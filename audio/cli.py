"""Command line: ``motcua audio build``, ``motcua audio say``, ``motcua audio read``.

The :data:`audio` click group is meant to be added to the ``motcua`` CLI::

    from audio.cli import audio
    main.add_command(audio)

and then::

    $ motcua audio build --out /var/lib/motcua/audio
    built 59 clips (59 rendered) with espeak-ng/vi at 22050 Hz in /var/lib/motcua/audio
    $ motcua audio say --library /var/lib/motcua/audio A023 3 --out call.wav
    wrote call.wav (6.3 s): Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba
    $ motcua audio read A023 3
    Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba
    chime xin_moi_cong_dan_co_so_thu_tu letter_a w_hai w_muoi_ngang w_ba den_quay_so w_ba

It also runs alone as ``python -m audio.cli``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from .announce import announcement_clips, announcement_text
from .clips import DEFAULT_SAMPLE_RATE, ClipLibrary, LibraryError, MissingClipError, build_library
from .pcm import wav_duration
from .tts import ENGINES, EngineUnavailable

__all__ = ["audio"]

_MODE = click.Choice(["number", "digits"])


def _friendly_errors(func):
    """Turn the package's expected errors into one-line CLI errors (exit 1)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, LibraryError, MissingClipError, EngineUnavailable) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group(name="audio")
def audio() -> None:
    """Spoken announcements: build the clip library, render or play calls."""


@audio.command()
@click.option("--engine", type=click.Choice(list(ENGINES)), default="espeak-ng", show_default=True,
              help="TTS engine: espeak-ng is offline; gtts needs the gTTS package and the internet.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Library directory to create or update.")
@click.option("--template", default=None,
              help="Announcement with {ticket} and {counter}; default: the standard Vietnamese sentence.")
@click.option("--voice", default=None, help="Engine voice (default vi).")
@click.option("--speed", type=click.IntRange(80, 400), default=None, help="espeak-ng words per minute (default 150).")
@click.option("--sample-rate", type=click.IntRange(8000, 48000), default=DEFAULT_SAMPLE_RATE, show_default=True)
@click.option("--force", is_flag=True, help="Render every clip again, even unchanged ones.")
@_friendly_errors
def build(engine, out, template, voice, speed, sample_rate, force) -> None:
    """Render every clip an announcement can need into a library directory."""
    rendered = []
    options = {"speed": speed} if speed is not None and engine == "espeak-ng" else {}
    library = build_library(out, engine, template, voice=voice, sample_rate=sample_rate, force=force,
                            engine_options=options, progress=rendered.append)
    click.echo(f"built {len(library)} clips ({len(rendered)} rendered) with {library.engine}/{library.voice} "
               f"at {library.sample_rate} Hz in {out}")


@audio.command()
@click.option("--library", "library_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Clip library directory made by 'build'.")
@click.argument("ticket")
@click.argument("counter")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the announcement to this WAV file instead of playing it.")
@click.option("--mode", type=_MODE, default="number", show_default=True,
              help="Read the ticket number whole or digit by digit.")
@click.option("--recall", is_flag=True, help="Speak the announcement twice.")
@click.option("--template", default=None, help="Override the template the library was built for.")
@_friendly_errors
def say(library_dir, ticket, counter, out, mode, recall, template) -> None:
    """Render (or play) the announcement of TICKET at COUNTER."""
    library = ClipLibrary(library_dir)
    template = template if template is not None else library.template
    text = announcement_text(template, ticket, counter, mode)
    if out is not None:
        keys = announcement_clips(template, ticket, counter, mode, recall=recall)
        wav = library.assemble(keys)
        out.write_bytes(wav)
        seconds = wav_duration(wav)
        click.echo(f"wrote {out} ({seconds:.1f} s): {text}")
        return
    from .player import AnnouncementQueue

    try:
        speaker = AnnouncementQueue(library, template=template, mode=mode)
    except (LibraryError, MissingClipError):
        raise  # reported by _friendly_errors
    except RuntimeError as exc:  # pygame.error: no audio device
        raise click.ClickException(f"cannot open the audio output ({exc}); use --out FILE.wav instead") from exc
    with speaker:
        call = speaker.announce(ticket, counter, recall=recall)
        click.echo(text)
        call.wait(timeout=call.duration + 10)


@audio.command()
@click.argument("ticket")
@click.argument("counter")
@click.option("--mode", type=_MODE, default="number", show_default=True)
@click.option("--recall", is_flag=True)
@click.option("--template", default=None)
@_friendly_errors
def read(ticket, counter, mode, recall, template) -> None:
    """Print the text and clip keys of an announcement (no audio needed)."""
    click.echo(announcement_text(template, ticket, counter, mode))
    click.echo(" ".join(announcement_clips(template, ticket, counter, mode, recall=recall)))


if __name__ == "__main__":  # pragma: no cover
    audio()
