// Console.SetOut/SetError and BRANCHTASKS_HOME are process-wide (see ToolRun).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
