using System.CommandLine;
using LlmCompiler.Factory;

namespace LlmCompiler.Cli.Commands;

/// <summary><c>llmc run --repo DIR --work-order FILE [options]</c>: execute one work order in an isolated worktree.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var shared = new RunOptions();
        var workOrder = new Option<string>("--work-order") { Description = "The WO-NN.json file to execute.", Required = true };
        var command = new Command("run", "Execute one work order: propose, check, write, verify, accept, then commit and fast-forward the branch.");
        command.Options.Add(workOrder);
        shared.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (options, session) = await shared.OpenAsync(parse, "run", stderr, ct);
            if (session is null) return FactoryExitCodes.Fail;
            var outcome = await FactoryRunner.RunOneAsync(parse.GetValue(shared.Repo)!, parse.GetValue(workOrder)!,
                () => session, options!, stderr, ct);
            RunOptions.Report(stderr, outcome.Diagnostics);
            stdout.WriteLine(RunAllCommand.Line(outcome));
            if (outcome.RunDirectory is not null) stdout.WriteLine($"Artifacts: {outcome.RunDirectory}");
            stdout.WriteLine($"Verdict: {outcome.Verdict}");
            return outcome.ExitCode;
        });
        return command;
    }
}
