using LlmCompiler.Cli;

return await CliApp.RunAsync(args);
