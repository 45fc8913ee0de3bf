"""The registers' pages: taking and amending registers, the late book, closures, leavers
(`registers`), and the registers still to be taken (`monitor`)."""
