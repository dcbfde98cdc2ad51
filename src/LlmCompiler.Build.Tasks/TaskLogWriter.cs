using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tasks;

/// <summary>Forwards the engine's progress log, line by line, to MSBuild messages (or to the terminal-visible channel).</summary>
internal sealed class TaskLogWriter(TaskLoggingHelper log, MessageImportance importance, IBuildEngine? visibleTo = null) : TextWriter
{
    private readonly StringBuilder _line = new();
    private readonly object _gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n') FlushLine();
            else if (value != '\r') _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        foreach (var c in value) Write(c);
    }

    public override void Flush()
    {
        lock (_gate) if (_line.Length > 0) FlushLine();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }

    private void FlushLine()
    {
        if (visibleTo is not null) TerminalVisibleLog.Line(visibleTo, _line.ToString());
        else log.LogMessage(importance, "{0}", _line.ToString());
        _line.Clear();
    }
}
