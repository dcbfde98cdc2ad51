using System.Collections.Frozen;

namespace LlmCompiler.Diagnostics;

/// <summary>
/// The long help of one diagnostic code: <see cref="FullDescription"/> is its cause in plain text, <see cref="Text"/>
/// and <see cref="Markdown"/> its cause, example and fix. It comes from <c>docs/diagnostics.md</c>, embedded in the
/// engine, so a report can carry the help itself instead of a link that would have to resolve.
/// </summary>
internal sealed record DiagnosticHelp(string FullDescription, string Text, string Markdown)
{
    /// <summary>The manifest name LlmCompiler.csproj gives the embedded <c>docs/diagnostics.md</c>.</summary>
    internal const string ResourceName = "LlmCompiler.Diagnostics.diagnostics.md";

    // Parsed on first use: only SARIF needs it, and then for every code.
    private static readonly Lazy<FrozenDictionary<string, DiagnosticHelp>> Documented = new(LoadDocumented);

    /// <summary>
    /// The documented help of <paramref name="descriptor"/>; its title in all three forms when the docs have no
    /// section with a cause for it, so a report never lacks help and never fails over it.
    /// </summary>
    public static DiagnosticHelp For(DiagnosticDescriptor descriptor) =>
        Documented.Value.TryGetValue(descriptor.Code, out var help)
            ? help
            : new DiagnosticHelp(descriptor.Title, descriptor.Title, descriptor.Title);

    private static FrozenDictionary<string, DiagnosticHelp> LoadDocumented()
    {
        using var stream = typeof(DiagnosticHelp).Assembly.GetManifestResourceStream(ResourceName);
        if (stream is null) return FrozenDictionary<string, DiagnosticHelp>.Empty;
        using var reader = new StreamReader(stream);
        return DiagnosticHelpParser.Parse(reader.ReadToEnd()).ToFrozenDictionary(StringComparer.Ordinal);
    }
}
