"""``tokn dataset``: KiCad project folders / clones -> a dataset directory (docs/dataset.md)."""
from __future__ import annotations

import os
import sys

import click

from .common import cpu_count


@click.command("dataset")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True), metavar="INPUT...")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Dataset directory (created; re-running resumes from its completed shards).")
@click.option("--manifest", "manifests", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV giving repository, commit, path and licence per local file or folder "
                   "(e.g. shared/corpus/manifest.csv). Repeatable.")
@click.option("--detail", type=click.Choice(["full", "v1", "nets"]), default="nets", show_default=True,
              help="TOKN detail of the design records.")
@click.option("--licence", "allow", multiple=True, metavar="CATEGORY|SPDX",
              help="Admit these licence categories or SPDX ids (comma-separated, repeatable); replaces "
                   "the default: permissive, weak-copyleft, copyleft.")
@click.option("--exclude-licence", "deny", multiple=True, metavar="CATEGORY|SPDX",
              help="Refuse these licence categories or SPDX ids, even if admitted.")
@click.option("--split", "split_spec", default="train=0.8,validation=0.1,test=0.1", show_default=True,
              help="Split ratios over repositories.")
@click.option("--eval", "evals", multiple=True, type=click.Path(exists=True),
              help="Evaluation material to keep out of train: .kicad_sch, .tokn, a folder of them, or a "
                   "prompts JSONL (prompt / reference_tokn). Repeatable.")
@click.option("--instructions/--no-instructions", default=True, show_default=True,
              help="Also make instruction pairs (request -> TOKN answer).")
@click.option("--max-pair-tokens", type=click.IntRange(min=64), default=2048, show_default=True,
              help="Token limit (cl100k) of an instruction pair's completion.")
@click.option("--describe", is_flag=True,
              help="Also ask an LLM for a user-style request per instruction pair (field request_llm; the "
                   "deterministic request stays). Endpoint as for `tokn generate`: OPENAI_BASE_URL, "
                   "OPENAI_API_KEY, TOKN_MODEL, the config file, or the --llm-* options. Cached.")
@click.option("--describe-cache", type=click.Path(file_okay=False),
              help="Cache of descriptions (default: OUTPUT/cache/descriptions); share it between datasets "
                   "to ask once per model and prompt.")
@click.option("--llm-model", help="Model for --describe (default: TOKN_MODEL, the config file, gpt-4o-mini).")
@click.option("--llm-base-url", help="OpenAI-compatible endpoint for --describe (default: OPENAI_BASE_URL, "
                                     "the config file, api.openai.com).")
@click.option("--llm-config", type=click.Path(dir_okay=False),
              help="Config file for --describe (default: TOKN_CONFIG or <user config dir>/tokn/config.toml).")
@click.option("--llm-timeout", type=click.FloatRange(0.1),
              help="Seconds without progress before a description request is abandoned (default 120).")
@click.option("--llm-retries", type=click.IntRange(0, 20),
              help="Retries of a description request on 429/5xx/timeouts (default 4).")
@click.option("--source-tokens", is_flag=True,
              help="Also count the cl100k tokens of the .kicad_sch files (slow: most of a run's time).")
@click.option("--shard-size", type=click.IntRange(min=1), default=16, show_default=True,
              help="Designs per shard (the unit of work, of retries and of resuming).")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Local worker processes; 0 = one per CPU.  Default: one per CPU, or 1 with "
                   "--describe (every worker would call the LLM endpoint at once).")
@click.option("--address", default=None,
              help="Ray cluster address for --backend ray (e.g. auto, ray://head:10001; default: a "
                   "private local Ray).")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries after a worker failure: of a Ray task, or locally of the shards left when a "
                   "worker process dies.")
def dataset(inputs: tuple[str, ...], output: str, manifests: tuple[str, ...], detail: str,
            allow: tuple[str, ...], deny: tuple[str, ...], split_spec: str, evals: tuple[str, ...],
            instructions: bool, max_pair_tokens: int, describe: bool, describe_cache: str | None,
            llm_model: str | None, llm_base_url: str | None, llm_config: str | None,
            llm_timeout: float | None, llm_retries: int | None, source_tokens: bool, shard_size: int,
            backend: str, jobs: int | None, address: str | None, retries: int) -> None:
    """Build a dataset from KiCad projects (folders, clones, a corpus tree).

    Writes OUTPUT/README.md (dataset card), data/ and instructions/ (JSON Lines per split),
    errors.jsonl, duplicates.jsonl, excluded.jsonl, contamination.jsonl, stats.json, and
    work/ (shards and their completion markers).  Exit status 1 when some file could not be
    encoded (listed in errors.jsonl), 0 otherwise (a pair left without its --describe
    description is listed in errors.jsonl but is no file error).
    """
    from ..dataset.assemble import parse_splits
    from ..dataset.build import BuildConfig, build_dataset
    from ..dataset.licence import LicencePolicy
    from ..dataset.plan import Options
    from ..sources import InputError

    try:
        splits = parse_splits(split_spec)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--split") from None
    if address and backend != "ray":
        raise click.UsageError("--address needs --backend ray")
    if backend == "ray":
        import importlib.util
        if importlib.util.find_spec("ray") is None:
            raise click.UsageError("--backend ray needs Ray: pip install 'tokn[ray]'")
    describer = None
    if describe:
        if not instructions:
            raise click.UsageError("--describe needs instruction pairs (drop --no-instructions)")
        describer = _describe_spec(output, describe_cache, llm_model, llm_base_url, llm_config, llm_timeout,
                                   llm_retries)
    elif any(x is not None for x in (describe_cache, llm_model, llm_base_url, llm_config, llm_timeout,
                                     llm_retries)):
        raise click.UsageError("--describe-cache and the --llm-* options need --describe")
    cfg = BuildConfig(
        inputs=list(inputs), out=output, manifests=list(manifests),
        options=Options(detail=detail, source_tokens=source_tokens, instructions=instructions,
                        max_pair_tokens=max_pair_tokens),
        shard_size=shard_size, policy=LicencePolicy.from_options(allow, deny), splits=splits,
        evals=list(evals), backend=backend, jobs=_workers(jobs, describe),
        address=address, retries=retries, describe=describer)

    def on_plan(n_items: int, n_shards: int) -> None:
        click.echo(f"{n_items} designs in {n_shards} shards", err=True)

    def on_shard(r) -> None:
        what = "already done" if r.skipped else "done"
        desc = ""
        if r.descriptions:
            d = r.descriptions
            desc = f" (descriptions: {d['asked']} asked, {d['cached']} cached, {d['failed']} failed)"
        click.echo(f"shard {r.index:05d} {what}: {r.records} records, {r.pairs} pairs{desc}, {r.errors} errors",
                   err=True)

    try:
        rep = build_dataset(cfg, on_shard, on_plan)
    except (InputError, ValueError, OSError) as e:
        click.echo(f"tokn dataset: {e}", err=True)
        sys.exit(1)
    for line in rep.eval_problems:
        click.echo(f"warning: evaluation item skipped: {line}", err=True)
    sm = rep.summary
    splits = ", ".join(f"{k} {v}" for k, v in sm.records.items() if v)
    click.echo(f"{output}: {sum(sm.records.values())} designs"
               f"{f' ({splits})' if splits else ''}, "
               f"{sum(sm.pairs.values())} instruction pairs; removed: {sm.excluded_licence} by licence, "
               f"{sm.exact_duplicates} exact + {sm.version_duplicates} other versions + {sm.near_duplicates} "
               "near duplicates, "
               f"{sm.contaminated} evaluation designs in train; {sm.errors} file errors "
               f"(errors.jsonl)", err=True)
    if not sum(sm.records.values()) and sm.excluded_licence:
        click.echo(f"{output}: every design kept was refused by the licence filter; --licence names the "
                   "categories to admit (to keep unknown licences too: --licence permissive,weak-copyleft,copyleft,unknown), "
                   "excluded.jsonl lists each design's licence", err=True)
    if sm.descriptions:
        d = sm.descriptions
        click.echo(f"descriptions by {d['model']}: {d['described']} pairs described, {d['failed']} without "
                   "(errors.jsonl, kind describe; run again to ask again)", err=True)
    if sm.errors:
        sys.exit(1)


def _describe_spec(output: str, cache: str | None, model: str | None, base_url: str | None,
                   config_file: str | None, timeout: float | None, max_retries: int | None):
    """The :class:`~tokn.dataset.describe.DescribeSpec` of ``--describe``: settings as
    ``tokn generate`` reads them (options > environment > config file > defaults); exits
    with status 1 and one line for a bad setting or a missing key."""
    from ..dataset.describe import DescribeSpec
    from ..generate.config import load_settings
    from ..errors import ConfigError

    try:
        settings = load_settings(config_file=config_file, model=model, base_url=base_url, timeout=timeout,
                                 max_retries=max_retries)
        settings.effective_api_key()        # no key for a host that needs one: say so before any work
    except ConfigError as e:
        click.echo(f"tokn dataset: --describe: {e}", err=True)
        sys.exit(1)
    return DescribeSpec(settings, os.path.abspath(cache or os.path.join(output, "cache", "descriptions")))


def _workers(jobs: int | None, describe: bool) -> int:
    """Local worker processes for ``-j``: as given (0: one per CPU); unset, one per CPU, or
    one with ``--describe`` (so that a local LLM server is not sent a request per CPU)."""
    if jobs is None:
        return 1 if describe else cpu_count()
    return cpu_count() if jobs == 0 else jobs
