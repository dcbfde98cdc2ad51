using System.CommandLine;
using LlmCompiler.Cli.Commands;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Tests.Planning;

/// <summary>Runs <c>llmc plan</c> in-process with the real LLM session and a private environment.</summary>
internal static class PlanCli
{
    public const string KeyVariable = "LLMC_PLAN_TEST_KEY";
    public const string ApiKey = "sk-CANARY-plan-7f3e9b2c";

    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string ledgerPath, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var root = new RootCommand();
        // The key the session reads at call time never comes from (or goes to) the process environment.
        Func<string, string?> environment = name => name == KeyVariable ? ApiKey : null;
        root.Subcommands.Add(PlanCommand.Create(new LlmCompiler.Cli.CliContext(stdout, stderr, LlmCompiler.Cli.Output.TerminalStyle.Plain, LlmCompiler.Cli.Output.TerminalStyle.Plain),
            (LlmCompiler.Llm.LlmSettings options, out IReadOnlyList<Diagnostic> errors) =>
                LlmClients.Create(options with { LedgerPath = ledgerPath }, environment, out errors)));
        var parse = root.Parse(["plan", .. args]);
        Assert.IsEmpty(parse.Errors, string.Join("; ", parse.Errors.Select(e => e.Message)));
        var exit = await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
