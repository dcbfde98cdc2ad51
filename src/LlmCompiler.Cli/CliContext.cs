using System.CommandLine;
using LlmCompiler.Cli.Output;

namespace LlmCompiler.Cli;

/// <summary>What every command shares: the output streams, their styles, and the global verbosity options.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, TerminalStyle outStyle, TerminalStyle errorStyle)
{
    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Also print where everything is (endpoint, cassettes, ledger, artifacts).", Recursive = true };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print only diagnostics and the result.", Recursive = true };

    public TextWriter Out => stdout;

    public TextWriter Error => stderr;

    public CliOutput OutputFor(ParseResult parse)
    {
        var verbosity = parse.GetValue(Quiet) ? Verbosity.Quiet : parse.GetValue(Verbose) ? Verbosity.Verbose : Verbosity.Normal;
        return new CliOutput(stdout, stderr, outStyle, errorStyle, verbosity);
    }
}
