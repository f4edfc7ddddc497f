using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace TaskManager.Infrastructure.Http;

/// <summary>The text a request parameter carries: the parameter itself when it is a string, else the string
/// properties of a request type of ours, each with the name a client sends.</summary>
public static class TextFields
{
    public sealed record Field(string Name, Func<object, string?> Read);

    public static Field[] Of(ParameterInfo parameter)
    {
        if (parameter.ParameterType == typeof(string))
        {
            return [new Field(ClientName(parameter.GetCustomAttributes(), parameter.Name ?? "value"), value => value as string)];
        }
        if (parameter.ParameterType.Assembly != typeof(TextFields).Assembly || !parameter.ParameterType.IsClass)
        {
            return [];
        }
        return parameter.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType == typeof(string) && p.GetMethod is not null && p.GetIndexParameters().Length == 0)
            .Select(p => new Field(ClientName(p.GetCustomAttributes(), p.Name), target => (string?)p.GetValue(target)))
            .ToArray();
    }

    public static string? FirstWithNul(object? argument, Field[] fields)
    {
        if (argument is null)
        {
            return null;
        }
        foreach (var field in fields)
        {
            if (field.Read(argument)?.Contains('\0') == true)
            {
                return field.Name;
            }
        }
        return null;
    }

    private static string ClientName(IEnumerable<Attribute> attributes, string name) =>
        attributes.OfType<IModelNameProvider>().FirstOrDefault(a => !string.IsNullOrEmpty(a.Name))?.Name
        ?? attributes.OfType<JsonPropertyNameAttribute>().FirstOrDefault()?.Name
        ?? ValidationFilter.FieldName(name);
}
