// What nearly every slice uses; anything rarer is imported where it is used (IDE0005 flags the rest).
global using System.Security.Claims;
global using Dapper;
global using FluentValidation;
global using Mediator;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.AspNetCore.Mvc;
global using Microsoft.Extensions.Options;
global using Npgsql;
global using TaskManager.Features.Projects;
global using TaskManager.Infrastructure.Auth;
global using TaskManager.Infrastructure.Http;
global using TaskManager.Infrastructure.Mediation;
global using TaskManager.Infrastructure.OpenApi;
