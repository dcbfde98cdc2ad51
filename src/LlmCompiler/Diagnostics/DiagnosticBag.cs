namespace LlmCompiler.Diagnostics;

/// <summary>Collects diagnostics for one file, stamping each with that file's name and a position.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public DiagnosticBag(string? file) => File = file;

    public string? File { get; }

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Exists(d => d.IsError);

    public void Add(Diagnostic diagnostic) => _items.Add(diagnostic);

    public void AddRange(IEnumerable<Diagnostic> diagnostics) => _items.AddRange(diagnostics);

    public void Report(string code, string? woId, string? field, string message, SourcePosition position) =>
        _items.Add(new Diagnostic(code, DiagnosticCatalog.SeverityOf(code), woId, field, message, File, position.Line, position.Column));
}
