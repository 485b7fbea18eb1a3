import Server

// The `seatd` executable: the server's command line (`Seatd`, in the Server library).
await Seatd.runCommandLine()
