// Classes run in parallel; the end-to-end class runs its real `dotnet build`s one after another (2 shared cores).
[assembly: Parallelize(Scope = ExecutionScope.ClassLevel, Workers = 2)]
