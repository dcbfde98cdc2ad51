namespace LlmCompiler.Cli.Output;

/// <summary>How much a command prints on stderr besides its result; errors and warnings are always printed.</summary>
internal enum Verbosity
{
    /// <summary>Diagnostics and the result only.</summary>
    Quiet,

    /// <summary>Also what the run is doing: the settings line, one line per attempt and per command.</summary>
    Normal,

    /// <summary>Also where everything is: endpoint, cassettes, ledger, artifact folders.</summary>
    Verbose,
}
