"""The absences app's forms: the office's and the head's (`office`) and the parents' (`parents`)."""
