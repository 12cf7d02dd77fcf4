"""``python -m coder``: the same entry point as the ``coder`` command."""

from coder.launch import main

if __name__ == "__main__":  # not when a reading process imports the package
    main()
