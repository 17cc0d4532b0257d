from apidesk.cli.main import main

main()
