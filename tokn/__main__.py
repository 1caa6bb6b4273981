"""``python -m tokn``: the same command line as the ``tokn`` console script."""
from .cli import run

if __name__ == "__main__":
    run(prog_name="tokn")
