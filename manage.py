#!/usr/bin/env python
from aimak.manage import main

if __name__ == "__main__":
    main()
