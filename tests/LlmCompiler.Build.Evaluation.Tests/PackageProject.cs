using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Build.Construction;
using Microsoft.Build.Evaluation;
using Microsoft.Build.Framework;
using Microsoft.Build.Logging;

namespace LlmCompiler.Build.Evaluation.Tests;

/// <summary>
/// A project in a temp folder that imports the package's <c>build/</c> files from this source tree, evaluated in process.
/// No SDK is imported: what is asserted is the package's own logic, and an evaluation costs milliseconds.
/// </summary>
internal sealed class PackageProject : IDisposable
{
    /// <summary>
    /// The CI variables of the machine running the tests would leak into the evaluation as properties; every
    /// evaluation starts without them, and a test that wants one sets it.
    /// </summary>
    private static readonly string[] MachineVariables = ["CI", "TF_BUILD", "GITHUB_ACTIONS", "LLMC_IN_ATTEMPT", "DesignTimeBuild"];

    /// <summary>In-process builds go through MSBuild's one default BuildManager, which runs one build at a time.</summary>
    private static readonly Lock BuildManagerLock = new();

    private readonly TempDirectory _directory = new("llmc-eval");
    private readonly ProjectCollection _collection = new();

    public PackageProject(string relativeProjectPath = "src/App/App.proj") => ProjectPath = _directory.Combine(relativeProjectPath.Split('/'));

    /// <summary>
    /// The <c>build/</c> folder the project imports: this source tree's, or, after <see cref="UsePackageLayout"/>, a copy
    /// in a package-shaped folder whose <c>tasks/</c> the test fills.
    /// </summary>
    public string ImportedBuildFolder { get; private set; } = BuildFolder;

    public string Root => _directory.Path;

    public string ProjectPath { get; }

    public string ProjectDirectory => Path.GetDirectoryName(ProjectPath)!;

    public static string BuildFolder => SourceTree.PathOf("build");

    public string Write(string relativePath, string content = "{}") => _directory.Write(relativePath, content);

    /// <summary>
    /// Imports a copy of the package's <c>build/</c> files from <c>package/build/</c> and creates an empty file under
    /// <c>package/tasks/</c> for each of <paramref name="taskFiles"/> (e.g. <c>net8.0/llmc-verify.dll</c>), for the
    /// conditions that look at what the package holds.
    /// </summary>
    public string UsePackageLayout(params string[] taskFiles)
    {
        var package = Path.Combine(Root, "package");
        ImportedBuildFolder = Path.Combine(package, "build");
        Directory.CreateDirectory(ImportedBuildFolder);
        foreach (var file in Directory.GetFiles(BuildFolder)) File.Copy(file, Path.Combine(ImportedBuildFolder, Path.GetFileName(file)));
        foreach (var file in taskFiles) Write("package/tasks/" + file, "");
        return package;
    }

    /// <summary>Evaluates the project (the package's props, <paramref name="body"/>, the package's targets).</summary>
    public Project Evaluate(IReadOnlyDictionary<string, string>? properties = null, string body = "")
    {
        Directory.CreateDirectory(ProjectDirectory);
        File.WriteAllText(ProjectPath, $"""
            <Project>
              <Import Project="{Path.Combine(ImportedBuildFolder, "LlmCompiler.Build.props")}" />
              {body}
              <Import Project="{Path.Combine(ImportedBuildFolder, "LlmCompiler.Build.targets")}" />
            </Project>
            """);
        return Load(ProjectPath, properties);
    }

    /// <summary>Evaluates the shared host project with the global properties a project hands it.</summary>
    public Project EvaluateHost(Project caller, IReadOnlyDictionary<string, string>? extra = null)
    {
        var instance = caller.CreateProjectInstance();
        lock (BuildManagerLock) instance.Build(["_LlmcHostProperties"], []);
        // Split at each "Llmc…=" only: the work-order list inside holds ';' too.
        var globals = Regex.Split(instance.GetPropertyValue("_LlmcHostPlanProperties"), ";(?=_?Llmc[A-Za-z]*=)")
            .Select(pair => pair.Split('=', 2)).Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        globals["LlmcVerifyOutOfProcess"] = caller.GetPropertyValue("LlmcVerifyOutOfProcess");
        foreach (var (name, value) in extra ?? new Dictionary<string, string>()) globals[name] = value;
        return Load(Path.Combine(ImportedBuildFolder, "LlmCompiler.Build.Host.proj"), globals);
    }

    /// <summary>Builds targets of the evaluated project in process, for what only running can show (an Error task).</summary>
    /// <remarks>
    /// MSBuild's console logger, writing to a string: a logger class of this assembly would implement an MSBuild
    /// interface, and test discovery loads every type before the Locator has registered MSBuild.
    /// </remarks>
    public static (bool Success, string Log) Build(Project project, params string[] targets)
    {
        var log = new StringBuilder();
        var logger = new ConsoleLogger(LoggerVerbosity.Minimal, text => log.Append(text), _ => { }, () => { });
        bool success;
        lock (BuildManagerLock) success = project.CreateProjectInstance().Build(targets, [logger]);
        return (success, log.ToString());
    }

    /// <summary>Whether a target of <paramref name="project"/> would run: its condition, against the evaluated properties and items.</summary>
    public static bool TargetRuns(Project project, string target)
    {
        var instance = project.CreateProjectInstance();
        return instance.EvaluateCondition(instance.Targets[target].Condition);
    }

    /// <summary>Whether the tasks named <paramref name="taskName"/> inside <paramref name="target"/> would run.</summary>
    public static bool TaskRuns(Project project, string target, string taskName)
    {
        var instance = project.CreateProjectInstance();
        var tasks = instance.Targets[target].Tasks.Where(t => t.Name == taskName).ToList();
        Assert.IsNotEmpty(tasks, $"{target} has no {taskName}");
        return tasks.Any(t => instance.EvaluateCondition(t.Condition));
    }

    /// <summary>The UsingTasks of every import whose condition holds, as (task, factory, runtime).</summary>
    public static IReadOnlyList<(string Task, string Factory, string Runtime)> RegisteredTasks(Project project)
    {
        var instance = project.CreateProjectInstance();
        return [.. project.Imports.Select(i => i.ImportedProject).Prepend(project.Xml).Distinct()
            .SelectMany(xml => xml.UsingTasks)
            .Where(u => instance.EvaluateCondition(u.Condition))
            .Select(u => (ShortName(u), u.TaskFactory, instance.ExpandString(u.Runtime)))];
    }

    public void Dispose()
    {
        _collection.UnloadAllProjects();
        _collection.Dispose();
        _directory.Dispose();
    }

    private Project Load(string path, IReadOnlyDictionary<string, string>? properties)
    {
        var globals = MachineVariables.ToDictionary(name => name, _ => "", StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in properties ?? new Dictionary<string, string>()) globals[name] = value;
        return new Project(path, globals, toolsVersion: null, _collection);
    }

    private static string ShortName(ProjectUsingTaskElement element) => element.TaskName[(element.TaskName.LastIndexOf('.') + 1)..];
}
