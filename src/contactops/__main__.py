from contactops.cli import main

main()
