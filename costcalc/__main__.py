"""python -m costcalc"""

from .cli import main

main()
