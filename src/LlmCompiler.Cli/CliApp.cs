using System.CommandLine;
using LlmCompiler.Cli.Commands;

namespace LlmCompiler.Cli;

/// <summary>The llmc command tree. Commands parse their inputs, call the engine and report; nothing more.</summary>
public static class CliApp
{
    public static RootCommand BuildRootCommand(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("llmc: compile a product spec into validated work orders and execute them safely.");
        root.Subcommands.Add(VerifyCommand.Create(stdout, stderr));
        root.Subcommands.Add(PlanCommand.Create(stdout, stderr));
        root.Subcommands.Add(RunCommand.Create(stdout, stderr));
        root.Subcommands.Add(RunAllCommand.Create(stdout, stderr));
        return root;
    }

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildRootCommand(stdout, stderr);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors) await stderr.WriteLineAsync($"llmc: {error.Message}");
            return ExitCodes.Usage;
        }
        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}

/// <summary>Process exit codes shared by the commands (each command documents its own meaning of 2+).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Usage = 1;
    public const int ValidationFailed = 2;
}
