using System.Text;
using System.Xml;

namespace LlmCompiler.Planning;

/// <summary>
/// A compact, bounded description of the target repository for the planner prompt: solutions, projects with
/// their target frameworks (read from the project XML), test projects, build-wide files and top-level
/// folders. Deterministic for a given listing so that prompts, and therefore cassette keys, are stable.
/// </summary>
public static class RepoHints
{
    public const int MaxChars = 6000;
    public const string NoRepository = "(No repository listing was given: assume the repository is empty.)";
    private const int MaxProjects = 40;
    private const int MaxFolders = 30;
    private const long MaxProjectFileBytes = 512 * 1024;

    private static readonly string[] ProjectExtensions = [".csproj", ".fsproj", ".vbproj"];
    private static readonly string[] SolutionExtensions = [".sln", ".slnx", ".slnf"];
    private static readonly string[] BuildWideFiles =
    [
        "global.json", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "nuget.config",
        "NuGet.Config", ".editorconfig", "package.json", "pyproject.toml", "go.mod", "Cargo.toml", "Makefile",
    ];
    private static readonly string[] TestPackages = ["Microsoft.NET.Test.Sdk", "MSTest", "xunit", "NUnit", "TUnit"];

    /// <param name="root">The repository root, used to read project files.</param>
    /// <param name="files">Repository-relative paths with forward slashes (the planner's repo listing).</param>
    public static string Build(string root, IReadOnlyCollection<string> files)
    {
        var sorted = files.OrderBy(f => f, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        sb.Append("Files tracked or untracked-but-not-ignored: ").Append(sorted.Count).Append('\n');

        var buildWide = sorted.Where(f => !f.Contains('/') && BuildWideFiles.Contains(f, StringComparer.OrdinalIgnoreCase)).ToList();
        if (buildWide.Count > 0) sb.Append("Build-wide files: ").Append(string.Join(", ", buildWide)).Append('\n');

        var solutions = sorted.Where(f => SolutionExtensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase))).ToList();
        if (solutions.Count > 0) sb.Append("Solutions: ").Append(string.Join(", ", solutions.Take(10))).Append('\n');

        var projects = sorted.Where(f => ProjectExtensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase))).ToList();
        if (projects.Count > 0)
        {
            sb.Append("Projects (path: target frameworks; kind):\n");
            foreach (var project in projects.Take(MaxProjects))
            {
                var info = ReadProject(Path.Combine(root, project));
                sb.Append("- ").Append(project).Append(": ").Append(info.Frameworks.Length > 0 ? info.Frameworks : "(framework not set in the project file)")
                  .Append("; ").Append(info.IsTest ? "test project" : info.IsExe ? "executable" : "library").Append('\n');
            }
            if (projects.Count > MaxProjects) sb.Append("- … and ").Append(projects.Count - MaxProjects).Append(" more projects\n");
        }

        var folders = sorted.Select(f => f.IndexOf('/') is var slash and > 0 ? f[..slash] + "/" : null)
            .OfType<string>()
            .GroupBy(f => f, StringComparer.Ordinal)
            .Select(g => $"{g.Key} ({g.Count()} files)")
            .ToList();
        var rootFiles = sorted.Count(f => !f.Contains('/'));
        sb.Append("Top level: ").Append(rootFiles).Append(" files");
        if (folders.Count > 0) sb.Append("; ").Append(string.Join(", ", folders.Take(MaxFolders)));
        if (folders.Count > MaxFolders) sb.Append(", …");
        sb.Append('\n');

        var text = sb.ToString();
        return text.Length <= MaxChars ? text : text[..MaxChars] + "\n(listing truncated)\n";
    }

    private static (string Frameworks, bool IsTest, bool IsExe) ReadProject(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxProjectFileBytes) return ("", IsTestByName(path), false);
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            using var reader = XmlReader.Create(path, settings);
            var doc = new XmlDocument { XmlResolver = null };
            doc.Load(reader);
            string Values(string element) => string.Join(";", doc.GetElementsByTagName(element).Cast<XmlNode>().Select(n => n.InnerText.Trim()).Where(v => v.Length > 0));
            var frameworks = string.Join(";", new[] { Values("TargetFramework"), Values("TargetFrameworks") }.Where(v => v.Length > 0));
            var isTest = Values("IsTestProject").Equals("true", StringComparison.OrdinalIgnoreCase)
                || doc.GetElementsByTagName("PackageReference").Cast<XmlNode>()
                    .Select(n => n.Attributes?["Include"]?.Value ?? "")
                    .Any(p => TestPackages.Any(t => p.StartsWith(t, StringComparison.OrdinalIgnoreCase)))
                || (doc.DocumentElement?.GetAttribute("Sdk").StartsWith("MSTest.Sdk", StringComparison.OrdinalIgnoreCase) ?? false)
                || IsTestByName(path);
            var isExe = Values("OutputType").Contains("Exe", StringComparison.OrdinalIgnoreCase);
            return (frameworks, isTest, isExe);
        }
        catch (Exception ex) when (ex is XmlException or IOException or UnauthorizedAccessException)
        {
            // A project we cannot read is still worth listing; the hint just says less about it.
            return ("", IsTestByName(path), false);
        }
    }

    private static bool IsTestByName(string path) =>
        Path.GetFileNameWithoutExtension(path).EndsWith("Tests", StringComparison.OrdinalIgnoreCase)
        || Path.GetFileNameWithoutExtension(path).EndsWith(".Test", StringComparison.OrdinalIgnoreCase);
}
