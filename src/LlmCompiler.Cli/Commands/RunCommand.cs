using System.CommandLine;
using LlmCompiler.Configuration;
using LlmCompiler.Factory;

namespace LlmCompiler.Cli.Commands;

/// <summary><c>llmc run WORK_ORDER [--force] [options]</c>: execute one work order in an isolated worktree.</summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        // `run` executes exactly one work order: --force is its rerun.
        var shared = new RunOptions(Settings.Rerun);
        var workOrder = new Argument<string>("WORK_ORDER") { Description = "The WO-NN.json file to execute; the plan is the folder it is in." };
        var force = new Option<bool>("--force") { Description = "Run the work order even if it already landed (after editing it, say)." };
        var noLand = new Option<bool>("--no-land") { Description = "Keep the passing commit on llmc/<run>/<WO> instead of landing it (a CI leg); llmc land lands it later. The run starts from the kept work of the work orders it depends on." };
        var runId = RunIdOption.Create();
        var command = new Command("run", "Execute one work order: propose, check, write, verify, accept, then commit and fast-forward the branch.");
        command.Arguments.Add(workOrder);
        command.Options.Add(force);
        command.Options.Add(noLand);
        command.Options.Add(runId);
        shared.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var output = context.OutputFor(parse);
            var path = parse.GetValue(workOrder)!;
            var extra = new Dictionary<string, string?> { [Settings.Rerun] = parse.GetValue(force) ? "*" : null };
            var setup = await shared.OpenAsync(parse, "run", path, extra, output, ct);
            if (setup is null) return FactoryExitCodes.Fail;
            using var session = setup.Session as IDisposable;
            if (RunIdOption.Check(parse, runId, "run", output) is not { } id) return FactoryExitCodes.Fail;
            var options = setup.Options with { NoLand = parse.GetValue(noLand), RunId = id.Length == 0 ? null : id };
            var outcome = await FactoryRunner.RunOneAsync(setup.Repository, path, () => setup.Session, options, output.Progress, ct);
            output.Report(outcome.Diagnostics);
            output.Out.WriteLine(OutcomeText.Line(outcome, output.OutStyle.Verdict));
            if (outcome.RunDirectory is not null) output.Info($"llmc run: artifacts in {outcome.RunDirectory}");
            output.Out.WriteLine($"Verdict: {output.OutStyle.Verdict(outcome.Verdict)}");
            return outcome.ExitCode;
        });
        return command;
    }
}
