"""`python -m warroom`: the composition root lives in `warroom.cli`."""

from warroom.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
