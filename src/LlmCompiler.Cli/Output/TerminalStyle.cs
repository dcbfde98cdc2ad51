namespace LlmCompiler.Cli.Output;

/// <summary>
/// Colour for one output stream: on when it is a terminal, off when it is redirected, when <c>NO_COLOR</c> is set
/// (https://no-color.org) or when <c>TERM=dumb</c>. Redirected output stays plain so logs and pipes never see escapes.
/// </summary>
internal sealed class TerminalStyle
{
    public static readonly TerminalStyle Plain = new(false);

    private TerminalStyle(bool enabled) => Enabled = enabled;

    public bool Enabled { get; }

    public static TerminalStyle For(bool redirected, Func<string, string?> environment) =>
        new(!redirected && string.IsNullOrEmpty(environment("NO_COLOR")) && environment("TERM") != "dumb");

    public string Error(string text) => Paint("31", text);

    public string Warning(string text) => Paint("33", text);

    public string Success(string text) => Paint("32", text);

    public string Dim(string text) => Paint("2", text);

    public string Bold(string text) => Paint("1", text);

    /// <summary>A verdict word (PASS, FAIL, DONE, …) in the colour that says whether the user must act.</summary>
    public string Verdict(string verdict) => verdict switch
    {
        "PASS" or "DONE" => Success(verdict),
        "FAIL" or "ERROR" or "REFUSED" or "STOPPED" or "BLOCKED" => Error(verdict),
        _ => verdict,
    };

    private string Paint(string sgr, string text) => Enabled && text.Length > 0 ? $"\u001b[{sgr}m{text}\u001b[0m" : text;
}
