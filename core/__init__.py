"""What every app uses and no app owns: the domain error, the API's error handling, paging,
parsing and filters, and who a request comes from. It imports from no app of this project."""
