"""``python -m astro_config``."""

from astro_config.cli.main import main

if __name__ == "__main__":
    main()
