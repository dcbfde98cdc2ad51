using System.Text;
using System.Xml;

namespace LlmCompiler.Planning;

/// <summary>
/// A compact, bounded description of the target repository for the planner prompt: solutions, projects with
/// their target frameworks (read from the project XML), test projects, build-wide files and top-level
/// folders. Deterministic for a given listing so that prompts, and therefore cassette keys, are stable; for the
/// same reason it holds no file counts, and the caller leaves out folders the tool itself writes to (the plan's
/// output folder, cassettes), so recording a cassette or writing a plan does not change the next prompt.
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
    /// <param name="excludedFolders">Repository-relative folders (with '/') whose files the hints leave out.</param>
    public static string Build(string root, IReadOnlyCollection<string> files, IReadOnlyCollection<string>? excludedFolders = null)
    {
        var excluded = (excludedFolders ?? []).Select(f => f.TrimEnd('/') + "/").Where(f => f.Length > 1).ToList();
        var sorted = files.Where(f => !excluded.Any(e => f.StartsWith(e, StringComparison.Ordinal)))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();

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
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var rootFiles = sorted.Where(f => !f.Contains('/')).ToList();
        if (sorted.Count == 0) sb.Append("The repository has no files yet.\n");
        if (rootFiles.Count > 0) sb.Append("Files at the top level: ").Append(string.Join(", ", rootFiles.Take(MaxFolders))).Append(rootFiles.Count > MaxFolders ? ", …\n" : "\n");
        if (folders.Count > 0) sb.Append("Top-level folders: ").Append(string.Join(", ", folders.Take(MaxFolders))).Append(folders.Count > MaxFolders ? ", …\n" : "\n");

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
