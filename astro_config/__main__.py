"""``python -m astro_config``."""

from astro_config.cli import main

if __name__ == "__main__":
    main()
