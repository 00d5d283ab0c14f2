"""The ``arxiv-radar`` console script and ``python -m bot``: the CLI's entry point.

multiprocessing rebuilds ``__main__`` in every worker process it starts by
re-running the parent's main script, here the ``arxiv-radar`` script that imports
this module. So this module imports nothing at the top: a PDF worker stays a
fork of the light fork server instead of loading the whole CLI again.
"""


def main() -> None:
    """Run the ``arxiv-radar`` command line."""
    from bot.runtime.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
