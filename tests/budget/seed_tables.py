"""The driftsammandrag tables exactly as the seeds print them.

Each row: label, then the eight figures: Redovisat jan–aug, Budget jan–aug, Avvikelse,
Redovisat samma period föregående år, Prognos helår, Budget helår, Avvikelse, Bokslut
föregående år. None where the seed prints no figure.
"""

# shared/seeds/000_…: Delårsrapport 31 augusti 2023, both tables, belopp mnkr.
AMN_2023_08_MNKR = [
    ("100 - Nämnd- och styrelseverksamhet", "1,3 1,2 -0,1 0,9", "1,8 1,8 0,0 1,3"),
    ("470 - Grundläggande vuxenutb", "15,1 11,6 -3,5 17,0", "23,7 17,4 -6,4 24,1"),
    ("472 - Gymn vuxenutb-påbyggnutb", "25,0 32,0 7,0 19,1", "37,0 48,0 10,9 27,0"),
    ("474 - Särskild utbildning för vuxna", "2,8 3,1 0,2 3,0", "4,8 4,6 -0,1 4,5"),
    ("476 - Svenska för invandrare", "41,8 38,1 -3,7 45,2", "59,4 57,2 -2,2 68,6"),
    ("575 - Ekonomiskt bistånd", "206,1 215,8 9,8 205,1", "313,0 323,7 10,8 303,5"),
    ("600 - Flyktningmottagande", "24,2 28,2 4,0 30,7", "36,1 42,3 6,2 44,5"),
    ("610 - Arbetsmarknadsåtgärder", "68,2 68,6 0,4 65,7", "106,8 104,0 -2,8 99,1"),
    ("921 - Utbildningsförvaltningen", "2,7 2,8 0,1 0,0", "4,1 4,2 0,1 0,0"),
    (
        "926 - Integrations- och arbetsmarknadsförvaltningen",
        "14,3 14,3 0,0 7,5",
        "21,4 21,4 0,0 11,3",
    ),
    ("Summa nettokostnader", "401,5 415,7 14,2 394,2", "608,2 624,6 16,4 583,9"),
    ("Resultat nämndens enheter", "2,5 -7,2 -9,7 -16,1", "12,4 0,0 -12,4 -9,4"),
    (
        "Summa nettokostnader inkl. kommunal verksamhet",
        "403,9 408,5 4,6 378,1",
        "620,6 624,6 4,0 574,4",
    ),
]

# shared/seeds/001_…: Delårsrapport 31 augusti 2021, both tables, belopp tkr. The full-year
# table has no "Varav personalkostnader" line.
AMN_2021_08_TKR = [
    ("Nämnden", "769 1149 380 720", "1224 1724 500 1055"),
    (
        "Arbetsmarknads- och integrationsinsatser",
        "56750 71994 15244 55707",
        "96040 107990 11950 79547",
    ),
    ("Varav personalkostnader (inkl AMC)", "39473 46825 7352 41407", None),
    ("Ekonomiskt bistånd", "198714 179492 -19222 184122", "297454 269239 -28215 278720"),
    ("Avdelningen vuxna", "44958 42637 -2321 42680", "69107 65207 -3900 64166"),
    ("Utbildnings- och arbetsmarknadsförvaltningen", "4693 5137 444 4624", "7040 7705 665 6936"),
    ("Summa nettokostnader", "305884 300409 -5475 287853", "470865 451865 -19000 430424"),
    ("varav kostnader", "328013 324929 -3084 315499", "503995 488645 -15350 472401"),
    ("varav intäkter", "-22129 -24520 -2391 -27646", "-33130 -36780 -3650 -41977"),
    ("Arbetsmarknadscentrum", "-3058 -1960 1098 -1366", "0 0 0 -1675"),
    (
        "Summa nettokostnader inkl. kommunal verksamhet",
        "302826 298449 -4377 286487",
        "470865 451865 -19000 428749",
    ),
]


def printed_figures(to_date: str, full_year: str | None) -> list[float | int | None]:
    def parse(text: str) -> float | int:
        return float(text.replace(",", ".")) if "," in text else int(text)

    figures = [parse(t) for t in to_date.split()]
    figures += [parse(t) for t in full_year.split()] if full_year else [None] * 4
    return figures
