"""``tokn generate`` and ``tokn bench`` (click commands ``generate_cmd`` and ``bench_cmd``).

Endpoint options follow the openai client's conventions: ``OPENAI_BASE_URL``,
``OPENAI_API_KEY`` (never an option: a key on the command line would show in ``ps`` and
shell history), ``--model`` (or ``TOKN_MODEL``), plus the config file shared with the KiCad
plugin (see :mod:`tokn.generate.config`).

Exit status: 0 a valid circuit (or a finished benchmark); 1 a refusal, an endpoint or
configuration error (one line on stderr); 130 cancelled with Ctrl+C.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import Any, Callable, Optional

import click

from ..generate.config import GRAMMAR_MODES, ERC_MODES, load_settings
from ..generate.progress import Cancelled, Progress


def _endpoint_options(f: Callable) -> Callable:
    opts = [
        click.option("--model", help="Model name (default: TOKN_MODEL, the config file, gpt-4o-mini)."),
        click.option("--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 "
                                        "(default: OPENAI_BASE_URL, the config file, api.openai.com)."),
        click.option("--grammar", "grammar_mode", type=click.Choice(GRAMMAR_MODES),
                     help="Constrained decoding: json (a JSON schema as response_format: hosted APIs), "
                          "llama.cpp GBNF, vLLM structured outputs, or none (default auto: json for hosted "
                          "APIs, else ask the server)."),
        click.option("--no-grammar", is_flag=True, help="Same as --grammar none."),
        click.option("-k", "--examples", "fewshot_k", type=click.IntRange(0, 20),
                     help="Few-shot examples per prompt (default 1)."),
        click.option("--corpus", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Your own examples: JSONL from `tokn encode --format jsonl` (repeatable)."),
        click.option("--no-bundled", is_flag=True, help="Do not use the bundled examples."),
        click.option("--no-grounding", is_flag=True, help="Do not put the named parts' pin tables in the prompt."),
        click.option("--rounds", "max_rounds", type=click.IntRange(1, 10),
                     help="Most LLM answers per prompt, repairs included (default 3)."),
        click.option("--timeout", type=click.FloatRange(0.1), help="Seconds without progress before a request "
                                                                    "is abandoned (default 120)."),
        click.option("--retries", "max_retries", type=click.IntRange(0, 20),
                     help="Retries on 429/5xx/timeouts (default 4)."),
        click.option("--temperature", type=click.FloatRange(0.0, 2.0)),
        click.option("--seed", type=int, help="Sampling seed sent to the server."),
        click.option("--max-tokens", type=click.IntRange(16), help="Longest answer in tokens (default 4096)."),
        click.option("--no-stream", is_flag=True, help="Do not stream the answer."),
        click.option("--erc", type=click.Choice(ERC_MODES), help="KiCad ERC of the result (default auto: "
                                                                  "when kicad-cli is installed)."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="Config file (default: TOKN_CONFIG or <user config dir>/tokn/config.toml)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _settings(kw: dict[str, Any]):
    if kw.pop("no_grammar", False):
        kw["grammar_mode"] = "none"
    if kw.pop("no_bundled", False):
        kw["use_bundled"] = False
    if kw.pop("no_grounding", False):
        kw["grounding"] = False
    if kw.pop("no_stream", False):
        kw["stream"] = False
    corpus = kw.pop("corpus", ())
    if corpus:
        kw["corpus"] = list(corpus)
    return load_settings(config_file=kw.pop("config_file", None), **kw)


class _Cancel:
    """Ctrl+C sets the cancel event (a second Ctrl+C interrupts at once)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._old: Any = None

    def __enter__(self) -> threading.Event:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.getsignal(signal.SIGINT)

            def handler(signum, frame):
                if self.event.is_set():
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    raise KeyboardInterrupt
                self.event.set()
            signal.signal(signal.SIGINT, handler)
        return self.event

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


class _Reporter:
    """Progress lines on stderr; a live character count while the answer streams (TTY only)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._streaming = False

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        if p.stage in ("stream", "think"):
            if self.tty:
                what = "receiving answer" if p.stage == "stream" else "model reasoning, answer"
                click.echo(f"\r  {what} {p.round}: {p.chars} characters", err=True, nl=False)
                self._streaming = True
            return
        if self._streaming:
            click.echo("", err=True)
            self._streaming = False
        if p.message:
            click.echo(f"[{p.stage}] {p.message}", err=True)


def _fail(msg: str, code: int = 1) -> None:
    click.echo(msg, err=True)
    sys.exit(code)


@click.command("generate")
@click.argument("prompt")
@click.option("-o", "--output", "sch_path", type=click.Path(dir_okay=False),
              help="Write the schematic (.kicad_sch; a .kicad_pro is added beside it).")
@click.option("--tokn", "tokn_path", type=click.Path(dir_okay=False), help="Write the TOKN document.")
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False), help="Write an SVG preview (needs kicad-cli).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the result (findings, answers, timings) as JSON ('-' for stdout).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@_endpoint_options
def generate_cmd(prompt: str, sch_path: Optional[str], tokn_path: Optional[str], svg_path: Optional[str],
                 json_path: Optional[str], quiet: bool, **kw: Any) -> None:
    """Generate a circuit from a design request (PROMPT; '-' reads it from stdin).

    \b
    Example:
      tokn generate "Design a voltage follower using TL071" -o out.kicad_sch --svg preview.svg

    The answer is parsed, validated against the KiCad libraries, decoded and checked with
    KiCad's ERC; problems go back to the model for a bounded number of repair rounds. A
    circuit that still fails is refused (exit status 1) and nothing is written.
    """
    from ..generate.pipeline import Generator, write_outputs
    from ..errors import GenerationError

    if prompt == "-":
        prompt = sys.stdin.read()
    try:
        settings = _settings(kw)
    except GenerationError as e:
        _fail(f"error: {e}")
    reporter = _Reporter(quiet)
    gen = Generator(settings)
    try:
        with _Cancel() as cancel:
            result = gen.generate(prompt, on_progress=reporter, cancel=cancel)
    except Cancelled:
        _fail("cancelled", 130)
    except GenerationError as e:           # endpoint errors, configuration errors
        _fail(f"error: {e}")
    finally:
        gen.llm.close()
    if json_path:
        data = json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
        if json_path == "-":
            click.echo(data)
        else:
            with open(json_path, "w", encoding="utf-8") as f:
                f.write(data + "\n")
    if not result.ok:
        _fail(result.refusal or "no valid circuit")
    try:
        written = write_outputs(result, sch_path, tokn_path, svg_path, gen.toolkit)
    except GenerationError as e:
        _fail(f"error: {e}")
    if not (sch_path or tokn_path or svg_path or json_path == "-"):
        click.echo(result.tokn_text, nl=False)
    if not quiet:
        warn = [f for f in result.findings if f.severity == "warning"]
        for f in result.findings:
            if f.severity == "fixed":
                click.echo(str(f), err=True)
        click.echo(f"valid circuit after {result.rounds} round{'s' if result.rounds != 1 else ''}"
                   f"{f' ({len(warn)} warnings)' if warn else ''}"
                   + (": wrote " + ", ".join(written) if written else ""), err=True)


@click.command("bench")
@click.argument("prompt_set")
@click.option("--sample", type=click.IntRange(1), help="Run a seeded random sample of this many prompts.")
@click.option("--bench-seed", "bench_seed", type=int, default=0, show_default=True,
              help="Seed of the sample (also the sampling seed sent to the server unless --seed is given).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="JSON results (default: bench-<set>.json in the current directory).")
@click.option("--keep-answers", is_flag=True, help="Put every raw answer in the JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No per-prompt progress.")
@_endpoint_options
def bench_cmd(prompt_set: str, sample: Optional[int], bench_seed: int, out_path: Optional[str],
              keep_answers: bool, quiet: bool, **kw: Any) -> None:
    """Run a benchmark prompt set (JSONL path, or easy/medium/hard) against an endpoint and
    score every answer: syntax, required parts and values, pin correctness, ERC, rounds, latency."""
    from ..generate.bench import format_table, run_bench
    from ..generate.pipeline import Generator
    from ..errors import GenerationError

    try:
        settings = _settings(kw)
    except GenerationError as e:
        _fail(f"error: {e}")

    def on_item(k: int, n: int, row: dict) -> None:
        if not quiet:
            status = "ERR" if "endpoint_error" in row else ("ok " if row.get("ok") else "no ")
            click.echo(f"[{k + 1}/{n}] {status} {row.get('latency', 0):.1f}s  {row['prompt'][:70]}", err=True)

    if settings.seed is None:
        settings = settings.replace(seed=bench_seed)
    gen = Generator(settings)
    try:
        with _Cancel() as cancel:
            report = run_bench(prompt_set, settings, sample=sample, seed=bench_seed, generator=gen,
                               on_item=on_item, cancel=cancel, keep_answers=keep_answers)
    except Cancelled:
        _fail("cancelled", 130)
    except GenerationError as e:
        _fail(f"error: {e}")
    finally:
        gen.llm.close()
    click.echo(format_table(report))
    out = out_path or f"bench-{os.path.splitext(os.path.basename(report.prompt_set))[0]}.json"
    with open(out, "w", encoding="utf-8") as f:
        json.dump(report.to_dict(), f, indent=2, ensure_ascii=False)
        f.write("\n")
    if not quiet:
        click.echo(f"wrote {out}", err=True)
