using System.Text;
using System.Text.RegularExpressions;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Cli.Output;

/// <summary>
/// Where a command prints: results on stdout; diagnostics and progress on stderr, at the chosen verbosity, coloured
/// only on a terminal. A diagnostic the engine already printed as progress is not printed again in the summary.
/// </summary>
internal sealed partial class CliOutput
{
    private readonly HashSet<string> _printed = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public CliOutput(TextWriter stdout, TextWriter stderr, TerminalStyle outStyle, TerminalStyle errorStyle, Verbosity verbosity = Verbosity.Normal)
    {
        Out = stdout;
        Error = stderr;
        OutStyle = outStyle;
        ErrorStyle = errorStyle;
        Verbosity = verbosity;
        Progress = verbosity == Verbosity.Quiet ? TextWriter.Null : new ProgressWriter(this);
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public TerminalStyle OutStyle { get; }

    public TerminalStyle ErrorStyle { get; }

    public Verbosity Verbosity { get; }

    /// <summary>The engine's progress log: nothing when quiet; diagnostics in it are coloured and remembered.</summary>
    public TextWriter Progress { get; }

    /// <summary>A line of what is happening (settings, locations): printed from <paramref name="minimum"/> verbosity up.</summary>
    public void Info(string line, Verbosity minimum = Verbosity.Normal)
    {
        if (Verbosity >= minimum) WriteError(ErrorStyle.Dim(line));
    }

    public void Report(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics) Report(d);
    }

    public void Report(Diagnostic diagnostic)
    {
        var line = diagnostic.ToCanonicalString();
        lock (_gate)
        {
            if (!_printed.Add(line)) return;
        }
        WriteError(Colour(line));
    }

    /// <summary>A usage or I/O problem of the command itself (no diagnostic code applies).</summary>
    public void Fail(string command, string message) => WriteError(ErrorStyle.Error($"llmc {command}: {message}"));

    private void WriteError(string line)
    {
        lock (_gate) Error.WriteLine(line);
    }

    private string Colour(string line)
    {
        var match = SeverityPattern().Match(line);
        if (!match.Success) return line;
        return match.Groups["severity"].Value == "error" ? ErrorStyle.Error(line) : ErrorStyle.Warning(line);
    }

    private void FromProgress(string line)
    {
        lock (_gate)
        {
            if (SeverityPattern().IsMatch(line) && !_printed.Add(line)) return;
        }
        WriteError(Colour(line));
    }

    /// <summary>The MSBuild canonical form every diagnostic is printed in: <c>origin: error E101: …</c>.</summary>
    [GeneratedRegex(@"(^|: )(?<severity>error|warning) [EW]\d{3}: ", RegexOptions.CultureInvariant)]
    private static partial Regex SeverityPattern();

    /// <summary>Line-buffers the engine's writes so each line is judged (and coloured) whole.</summary>
    private sealed class ProgressWriter(CliOutput owner) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            string? complete = null;
            lock (_line)
            {
                if (value == '\n')
                {
                    complete = _line.ToString().TrimEnd('\r');
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
            if (complete is not null) owner.FromProgress(complete);
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "") Write(c);
        }

        public override void WriteLine(string? value) => Write((value ?? "") + "\n");
    }
}
