from callcheck.cli import main

main()
