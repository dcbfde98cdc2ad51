using System.CommandLine;
using System.CommandLine.Help;
using System.Runtime.InteropServices;
using LlmCompiler.Cli.Commands;
using LlmCompiler.Cli.Output;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Cli;

/// <summary>The llmc command tree. Commands parse their inputs, call the engine and report; nothing more.</summary>
public static class CliApp
{
    public static RootCommand BuildRootCommand(TextWriter stdout, TextWriter stderr) =>
        BuildRootCommand(new CliContext(stdout, stderr, TerminalStyle.Plain, TerminalStyle.Plain));

    internal static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand("llmc: compile a product spec into validated work orders and execute them safely.");
        root.Options.Add(context.Verbose);
        root.Options.Add(context.Quiet);
        root.Subcommands.Add(VerifyCommand.Create(context));
        root.Subcommands.Add(PlanCommand.Create(context));
        root.Subcommands.Add(RunCommand.Create(context));
        root.Subcommands.Add(RunAllCommand.Create(context));
        root.Subcommands.Add(LandCommand.Create(context));
        // Bare `llmc` is a request for orientation, not a mistake: show the commands.
        root.SetAction(parse =>
        {
            new HelpAction().Invoke(parse);
            return ExitCodes.Success;
        });
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
        var context = new CliContext(Console.Out, Console.Error,
            TerminalStyle.For(Console.IsOutputRedirected, Environment.GetEnvironmentVariable),
            TerminalStyle.For(Console.IsErrorRedirected, Environment.GetEnvironmentVariable));
        return await RunAsync(args, context, cancellation.Token);
    }

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, new CliContext(stdout, stderr, TerminalStyle.Plain, TerminalStyle.Plain), cancellationToken);

    private static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        var root = BuildRootCommand(context);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0 || UsageErrors.OptionLikeArguments(parseResult).Count > 0)
        {
            foreach (var line in UsageErrors.Describe(parseResult)) await context.Error.WriteLineAsync(line);
            return ExitCodes.Usage;
        }
        // Signals are handled by the entry point above, without System.CommandLine's two-second kill.
        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error, ProcessTerminationTimeout = null }, cancellationToken);
    }
}

/// <summary>
/// How a command line that does not parse is reported: each problem once, a "did you mean" for a misspelt command
/// or option, and where to find the usage — as <c>dotnet</c> and <c>gh</c> do.
/// </summary>
internal static class UsageErrors
{
    public static IEnumerable<string> Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var unmatched = OptionLikeArguments(parse).Concat(parse.UnmatchedTokens).Distinct().ToList();
        // After an unknown option, the stray words are most likely its value: name the option only.
        var unknownOptions = unmatched.Where(t => t.StartsWith('-')).ToList();
        foreach (var token in unknownOptions.Count > 0 ? unknownOptions : unmatched)
        {
            yield return $"llmc: {Unknown(command, token)}";
        }
        foreach (var error in parse.Errors)
        {
            // The unmatched tokens were described above, with a suggestion.
            if (unmatched.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal))) continue;
            yield return $"llmc: {error.Message}";
        }
        yield return $"Run '{CommandPath(parse)} --help' for usage.";
    }

    /// <summary>
    /// Misspelt options the parser took as a positional value (<c>llmc run-all --repoo x</c> would otherwise look
    /// for a plan named <c>--repoo</c>).
    /// </summary>
    public static IReadOnlyList<string> OptionLikeArguments(ParseResult parse) =>
        [.. parse.CommandResult.Command.Arguments
            .SelectMany(a => parse.GetResult(a)?.Tokens ?? [])
            .Select(t => t.Value)
            .Where(v => v.Length > 1 && v[0] == '-' && !char.IsAsciiDigit(v[1]))];

    private static string Unknown(Command command, string token)
    {
        if (token.StartsWith('-'))
        {
            var options = command.Options.Concat(RecursiveOptions(command)).Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Distinct();
            var name = token.Split('=', 2)[0];
            return NameSuggester.Suggest(name, options, maxDistance: 3) is { } option
                ? $"unknown option '{name}'; did you mean '{option}'?"
                : $"unknown option '{name}'";
        }
        var subcommands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        if (subcommands.Count == 0) return $"unexpected argument '{token}'";
        return NameSuggester.Suggest(token, subcommands) is { } suggestion
            ? $"unknown command '{token}'; did you mean '{suggestion}'?"
            : $"unknown command '{token}'; the commands are {string.Join(", ", subcommands)}";
    }

    private static IEnumerable<Option> RecursiveOptions(Command command) =>
        command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive).Concat(RecursiveOptions(p)));

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command is RootCommand ? "llmc" : result.Command.Name);
        }
        return string.Join(' ', names);
    }
}

/// <summary>Process exit codes shared by the commands (each command documents its own meaning of 2+).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Usage = 1;
    public const int ValidationFailed = 2;
}
