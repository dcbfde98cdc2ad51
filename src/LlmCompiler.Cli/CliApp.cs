using System.CommandLine;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// The process entry: SIGINT, SIGTERM and SIGHUP (Ctrl+C, <c>timeout</c>, a CI cancel button, <c>docker stop</c>, a
    /// closed terminal) all cancel the run the same way: running commands are killed with everything they started,
    /// the run is recorded as cancelled (E216), and the exit code is 130. A second signal terminates at once.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            if (cancellation.IsCancellationRequested) return; // the second one: let the default handler end the process
            context.Cancel = true;
            cancellation.Cancel();
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var hangup = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        return await RunAsync(args, Console.Out, Console.Error, cancellation.Token);
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var root = BuildRootCommand(stdout, stderr);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors) await stderr.WriteLineAsync($"llmc: {error.Message}");
            return ExitCodes.Usage;
        }
        // Signals are handled by the entry point above, without System.CommandLine's two-second kill.
        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null }, cancellationToken);
    }
}

/// <summary>Process exit codes shared by the commands (each command documents its own meaning of 2+).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Usage = 1;
    public const int ValidationFailed = 2;
}
