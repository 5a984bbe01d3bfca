from jettison.cli.main import main

main()
