using System.Xml;
using System.Xml.Linq;

namespace LlmCompiler.Factory.TestsFirst;

/// <summary>One test's result from a TRX file: its class (full name), its name, and its outcome as the test host wrote it.</summary>
public sealed record TestOutcome(string ClassName, string Name, string Outcome)
{
    public string FullName => $"{ClassName}.{Name}";
    public bool Passed => Outcome == "Passed";
    public bool Failed => Outcome is "Failed" or "Error" or "Timeout" or "Aborted";
}

/// <summary>
/// Reads the test results files (TRX) the test hosts wrote for one command: VSTest's <c>--logger trx</c> and
/// Microsoft.Testing.Platform's <c>--report-trx</c> write the same format. Results, not console text: the names and
/// outcomes are what the test host recorded. An unreadable file is skipped (its command's exit code still counts).
/// </summary>
public static class TrxResults
{
    private static readonly XNamespace Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    /// <summary>The environment that makes <c>dotnet test</c> write TRX into <paramref name="directory"/> without changing its argv.</summary>
    /// <remarks>MSBuild reads environment variables as properties: VSTest's targets take <c>VSTestLogger</c> and
    /// <c>VSTestResultsDirectory</c>, Microsoft.Testing.Platform's take <c>TestingPlatformCommandLineArguments</c>.</remarks>
    public static IReadOnlyDictionary<string, string> Environment(string directory) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["VSTestLogger"] = "trx",
        ["VSTestResultsDirectory"] = directory,
        ["TestingPlatformCommandLineArguments"] = $"--report-trx --results-directory {directory}",
    };

    public static IReadOnlyList<TestOutcome> ReadDirectory(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        var outcomes = new List<TestOutcome>();
        foreach (var file in Directory.GetFiles(directory, "*.trx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            outcomes.AddRange(Read(file));
        }
        return outcomes;
    }

    public static IReadOnlyList<TestOutcome> Read(string file)
    {
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 64L * 1024 * 1024 };
            using var reader = XmlReader.Create(file, settings);
            var doc = XDocument.Load(reader);
            var classes = doc.Descendants(Ns + "UnitTest").ToDictionary(
                t => (string?)t.Attribute("id") ?? "",
                t => (string?)t.Element(Ns + "TestMethod")?.Attribute("className") ?? "",
                StringComparer.OrdinalIgnoreCase);
            return [.. doc.Descendants(Ns + "UnitTestResult").Select(r =>
            {
                var id = (string?)r.Attribute("testId") ?? "";
                var name = (string?)r.Attribute("testName") ?? "";
                var className = classes.GetValueOrDefault(id, "");
                // Data rows are named "Method (args)"; a class-qualified name is shortened to the method.
                if (className.Length > 0 && name.StartsWith(className + ".", StringComparison.Ordinal)) name = name[(className.Length + 1)..];
                return new TestOutcome(StripAssembly(className), name, (string?)r.Attribute("outcome") ?? "NotExecuted");
            })];
        }
        catch (Exception ex) when (ex is XmlException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            return [];
        }
    }

    // VSTest writes "Namespace.Class, Assembly, Version=…" for some adapters.
    private static string StripAssembly(string className) => className.Split(',')[0].Trim();
}
