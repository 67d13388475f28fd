import CTScreenCLI

CTScreen.main()
