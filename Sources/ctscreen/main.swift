import CTScreenCLI

// DICOM is decoded in child processes of this executable (CTSCREEN_DECODER, see DecoderSetting).
DecoderSetting.configure()
CTScreen.main()
