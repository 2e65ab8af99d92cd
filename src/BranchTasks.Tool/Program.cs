using BranchTasks.Tool;

return await Cli.RunAsync(args).ConfigureAwait(false);
