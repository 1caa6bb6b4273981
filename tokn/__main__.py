"""``python -m tokn``: the same command line as the ``tokn`` console script."""
from .cli import main

if __name__ == "__main__":
    main(prog_name="tokn")
