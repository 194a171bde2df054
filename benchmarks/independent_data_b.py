#!/usr/bin/env python3
"""Independent synthetic test data for an identity-resolution (record linkage) benchmark.

Usage:  python benchmarks/independent_data_b.py OUT_DIR --persons 8000 --seed 1
   or:  generate(Path(OUT_DIR), persons=8000, seed=1)  (same files, no summary printed)

Models people in Sweden, the Netherlands, Spain and Italy (30/25/25/20 %) living in households:
singles, couples, families (sometimes twins with one birth date, or a son named after his father),
single parents, flatmates, elderly parents with an adult "junior" child; ~8 % migrant name origins
(Turkish, Moroccan, Polish, Vietnamese or another of the four countries).  Names are Zipf-weighted
per country plus a long tail of composed rare surnames, with Dutch tussenvoegsels ("van der Berg",
"Berg, van der", "Berg"), Spanish double surnames (one, both, hyphen, "y"), Italian particles
(De Luca/Deluca, D'Angelo), compound first names (María José/Mª José, Gian Luca/Gianluca), Swedish
and Dutch multiple given names and initials, nicknames and roepnamen (Johannes/Jan, Giuseppe/Peppe,
José/Pepe), transliterations (Mohamed/Mohammed), Vietnamese name-order swaps and married names.
Precision traps: common names are frequent and "namesake templates" put several unrelated people
with one common full name (sometimes one birth year) in the same big city; twins, juniors, spouses
and flatmates share address, landline, family e-mail and home IP; public Wi-Fi, VPN exits, office
NAT and carrier-grade NAT IPs are shared by strangers; abandoned mobile numbers get re-issued.
Life events: moves (a source keeps the old address), new mobile or e-mail, re-registrations
(duplicate subscribers), an old utility contract at the previous address.
Noise: OCR/keyboard typos, case and spacing, stripped accents or å->aa, mojibake, many date, phone,
postal-code and house-number formats, birth-date errors (digit typo, day/month swap, wrong year),
missing values and placeholders ("noemail@example.com", "0000000", "1900-01-01").
Sources: registries `streaming` (~45 % of persons) and `utility` (~35 %) with orders, web profiles
(hashed login e-mail, IP, user agent, geo-IP that may name the nearby big city) and social accounts
(many handle/display-name styles; bots and businesses that are nobody).  ground_truth.csv maps every
registry, web and social record to a person id.  All values are synthetic: e-mails on .example or
example.com|org|net, IPs from the documentation ranges, 10/8 and 100.64/10, phone numbers random
but valid per `phonenumbers`.  Output is a deterministic function of (--persons, --seed).
"""

import argparse
import csv
import datetime as dt
import hashlib
import itertools
import json
import random
import re
import time
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat as PNF

TODAY = dt.date(2025, 6, 30)
COUNTRY_W = {"SE": 30, "NL": 25, "ES": 25, "IT": 20}

# -------------------------------------------------------------------------------- reference data
NAMES_RAW = {
    "SE": dict(
        M=(
            "Lars Mikael Anders Johan Erik Per Karl Peter Thomas Jan Daniel Fredrik Hans Andreas "
            "Stefan Mats Marcus Magnus Jonas Oskar Alexander Niklas Björn Henrik Gustav Martin "
            "Nils Emil Sven Ulf Bengt Axel Lucas William Hugo Oliver Elias Filip Viktor Simon "
            "Jakob Ludvig Sebastian Patrik Göran Leif Kjell Åke Olof Håkan Rickard Joakim Tobias "
            "Linus Kristoffer"
        ),
        F=(
            "Anna Eva Maria Karin Kristina Lena Sara Kerstin Emma Ingrid Marie Malin Jenny Hanna "
            "Linnea Birgitta Sofia Elin Katarina Johanna Annika Susanne Elisabeth Ida Camilla "
            "Inger Monica Ulla Åsa Louise Julia Maja Alice Ella Ebba Wilma Astrid Saga Märta "
            "Frida Linda Helena Cecilia Therese Josefin Ulrika Agneta Gunilla Margareta Karolina "
            "Moa Klara Matilda"
        ),
        last=(
            "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
            "Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson "
            "Magnusson Olofsson Lindström Lindqvist Lindgren Berg Axelsson Bergström Lundberg "
            "Lind Lundgren Lundqvist Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg "
            "Sjöberg Wallin Ali Engström Mohamed Eklund Danielsson Lundin Håkansson Björk Bergman "
            "Gunnarsson Holm Wikström Samuelsson Isaksson Fransson Bergqvist Nyström Holmberg "
            "Arvidsson Löfgren Söderberg Nyberg Blomqvist Claesson Nordström Mårtensson Lundström "
            "Ström Åberg Hedlund Sundberg Öberg Ekström Sjögren Strand"
        ),
    ),
    "NL": dict(
        M=(
            "Jan Johannes Hendrik Cornelis Willem Pieter Gerrit Jacobus Dirk Peter Daan Sem Lucas "
            "Levi Thomas Bram Tim Jeroen Mark Sander Bas Ruben Stefan Rick Kevin Dennis Niels "
            "Martijn Wouter Joost Maarten Erik Rob Hans Kees Henk Arjen Bart Lars Thijs Jesse "
            "Milan Finn Luuk Noah Sven Stijn Koen Alexander"
        ),
        F=(
            "Maria Anna Johanna Cornelia Elisabeth Wilhelmina Emma Julia Sophie Lotte Anne Lisa "
            "Sanne Eva Fleur Iris Femke Lieke Laura Sarah Linda Monique Marieke Esther Inge Petra "
            "Anouk Noor Tessa Sara Mila Zoë Nina Yvonne Marloes Ingrid Annemarie Miriam Judith "
            "Kim Manon Demi Roos Evi Saskia Ilse"
        ),
        last=(
            "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|"
            "de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|"
            "Dijkstra|Smits|de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|"
            "van den Heuvel|van der Veen|van den Broek|de Bruijn|de Bruin|van der Heijden|"
            "Schouten|van Beek|Willems|van Vliet|van de Ven|Hoekstra|Maas|Verhoeven|Koster|"
            "van Dam|van der Wal|Prins|Blom|Huisman|van Wijk|Kuipers|van der Berg|Post|Kramer|"
            "de Lange|van 't Hof|ter Horst|Veenstra|Bosman"
        ),
    ),
    "ES": dict(
        M=(
            "Antonio José Manuel Francisco David Juan Javier Daniel Carlos Jesús Alejandro Miguel "
            "Rafael Pablo Pedro Ángel Sergio Fernando Jorge Luis Alberto Álvaro Adrián Diego Raúl "
            "Enrique Ramón Vicente Iván Rubén Óscar Andrés Joaquín Santiago Eduardo Víctor "
            "Roberto Jaime Mario Ignacio Marcos Alfonso Salvador Ricardo Emilio Hugo Lucas Martín "
            "Mateo Guillermo"
        ),
        F=(
            "María Carmen Ana Isabel Laura Cristina Marta Lucía Pilar Elena Paula Sara Raquel "
            "Rosa Manuela Mercedes Teresa Patricia Beatriz Julia Silvia Nuria Irene Alba Andrea "
            "Rocío Sofía Claudia Marina Montserrat Lorena Alicia Inmaculada Natalia Eva Sonia "
            "Consuelo Esther Ángela Dolores Noelia Verónica Carla Daniela Martina Lola Concepción "
            "Francisca"
        ),
        last=(
            "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
            "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro "
            "Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez "
            "Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés "
            "Castillo Santos Lozano Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León "
            "Márquez Herrera Peña Flores Cabrera Campos Vega Fuentes Carrasco Díez Caballero "
            "Reyes Nieto Aguilar Pascual Santana Herrero Lorenzo Montero Hidalgo Giménez Ibáñez "
            "Ferrer Durán Santiago Benítez Mora Vicente Vargas Arias Carmona Crespo Román Pastor "
            "Soto Sáez Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas"
        ),
    ),
    "IT": dict(
        M=(
            "Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro Salvatore "
            "Carlo Franco Domenico Bruno Paolo Michele Giorgio Aldo Sergio Luciano Marco Andrea "
            "Alessandro Roberto Stefano Luca Matteo Lorenzo Davide Simone Federico Riccardo Fabio "
            "Massimo Claudio Gabriele Daniele Emanuele Tommaso Leonardo Alessio Nicola Gianni "
            "Enrico Filippo Raffaele Cristian"
        ),
        F=(
            "Maria Anna Giuseppina Rosa Angela Giovanna Teresa Lucia Carmela Caterina Francesca "
            "Sofia Giulia Chiara Sara Laura Valentina Alessandra Elena Federica Silvia Martina "
            "Paola Roberta Elisa Giorgia Alice Aurora Ginevra Beatrice Emma Claudia Barbara "
            "Simona Monica Daniela Cristina Antonella Patrizia Rita Serena Ilaria Marta Noemi "
            "Greta Michela Elisabetta"
        ),
        last=(
            "Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo|"
            "Conti|De Luca|Mancini|Costa|Giordano|Rizzo|Lombardi|Moretti|Barbieri|Fontana|Santoro|"
            "Mariani|Rinaldi|Caruso|Ferrara|Galli|Martini|Leone|Longo|Gentile|Martinelli|Vitale|"
            "Lombardo|Serra|Coppola|De Santis|D'Angelo|Marchetti|Parisi|Villa|Conte|Ferraro|Ferri|"
            "Fabbri|Bianco|Marini|Grasso|Valentini|Messina|Sala|De Angelis|Gatti|Pellegrini|"
            "Palumbo|Sanna|Farina|Rizzi|Monti|Cattaneo|Morelli|Amato|Silvestri|Mazza|Testa|Grassi|"
            "Pellegrino|Carbone|Giuliani|Benedetti|Barone|Caputo|Montanari|Guerra|Palmieri|"
            "Bernardi|Martino|Fiore|De Rosa|Ferretti|Bellini|Basile|Riva|Donati|Piras|Vitali|"
            "Battaglia|Sartori|Neri|Orlando|D'Amico|Di Stefano|Lo Russo|La Rosa|Dell'Acqua|"
            "Del Vecchio"
        ),
    ),
    "TR": dict(
        M="Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Burak Yusuf Ömer Kemal Can",
        F="Fatma Ayşe Emine Hatice Zeynep Elif Merve Özlem Esra Büşra Derya Selin",
        last=(
            "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan "
            "Kılıç Aslan Çetin Koç Kurt"
        ),
    ),
    "MA": dict(
        M=(
            "Mohamed Ahmed Youssef Mustapha Rachid Hassan Said Khalid Omar Karim Bilal Ayoub "
            "Hamza Nordin"
        ),
        F="Fatima Khadija Aicha Naima Malika Samira Nadia Meryem Salma Hanane Imane Siham",
        last="El Amrani|Benali|El Idrissi|Bouzid|Alaoui|Benjelloun|El Mansouri|Tahiri|Haddad|Ouali|"
        "Bakkali|El Khatib|Chaoui|Ziani|Boukhari|El Hadi",
    ),
    "PL": dict(
        M="Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Jakub Łukasz Kamil Grzegorz Mateusz",
        F=(
            "Anna Katarzyna Małgorzata Agnieszka Barbara Ewa Magdalena Joanna Aleksandra Monika "
            "Natalia"
        ),
        last="Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański "
        "Woźniak Dąbrowski Kozłowski Jankowski Mazur Krawczyk",
    ),
    "VN": dict(
        M="Văn Hùng|Minh Tuấn|Đức Anh|Quang Huy|Thanh Tùng|Hoàng Nam|Văn Long|Minh Khoa|Anh Tuấn",
        F="Thị Lan|Thu Hà|Ngọc Anh|Thị Hương|Mai Linh|Thanh Hương|Thị Mai|Bảo Ngọc",
        last="Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ",
    ),
}
COMPOUND = {
    "ES": dict(
        M="José Antonio|José Luis|José Manuel|Juan Carlos|Juan José|Francisco Javier|José María|"
        "Juan Antonio|Miguel Ángel|José Ramón|Juan Manuel|Luis Miguel",
        F="María Carmen|María José|María Pilar|María Dolores|María Isabel|Ana María|María Teresa|"
        "María Ángeles|María Luisa|María Jesús|Rosa María|María Elena",
    ),
    "IT": dict(
        M="Gian Luca|Gianluca|Gian Marco|Pierluigi|Giampaolo|Gian Carlo|Pier Paolo|Gianfranco",
        F=(
            "Maria Grazia|Anna Maria|Annamaria|Maria Teresa|Maria Luisa|Maria Rosaria|Maria Pia|"
            "Anna Rita"
        ),
    ),
}
IT_JOIN = {
    "Gian Luca": "Gianluca",
    "Gian Marco": "Gianmarco",
    "Pier Luigi": "Pierluigi",
    "Gian Paolo": "Giampaolo",
    "Gian Carlo": "Giancarlo",
    "Pier Paolo": "Pierpaolo",
    "Gian Franco": "Gianfranco",
    "Anna Maria": "Annamaria",
    "Maria Grazia": "Mariagrazia",
    "Maria Luisa": "Marialuisa",
    "Maria Teresa": "Mariateresa",
    "Maria Rosaria": "Mariarosaria",
}
IT_JOIN.update({v: k for k, v in list(IT_JOIN.items())})
TAIL = {  # composed rare surnames: stems x endings
    "SE": (
        (
            "Lind Berg Sjö Ek Häll Björk Ny Sand Dahl Holm Ström Alm Gran Rosen Lilje Hag Fors "
            "Ljung Malm Sten Ros Åker Ceder Wester"
        ),
        "berg ström gren qvist lund dahl man blad kvist fors hag holm sjö vall",
    ),
    "NL": (
        (
            "Hoog Groen Zwart Wit Klein Lang Schol Dijk Bloem Brink Haver Steen Wester Ooster "
            "Noord Zuid Vel Kamp Hout Leeu Roos Mol Scheper"
        ),
        "man huis kamp veld hof mans meijer stra ink broek beek kate dijk horst",
    ),
    "IT": (
        (
            "Bar Cal Fer Mar Pel Ros Sal Tor Ven Cor Mor Gal Ber Col Fab Pan Cap Sca Tes Vol Bon "
            "Guid Mich Zan"
        ),
        "ini etti otti ucci oni elli ari esi ano one ella uzzi aro ardi",
    ),
    "ES": (
        (
            "Aguirre Echeverría Urquijo Zubizarreta Goikoetxea Arrieta Ibarra Mendizábal Azcona "
            "Larrañaga Barrios Quintana Salazar Escobar Villalobos Palacios Valverde Bermejo "
            "Cuesta Pacheco Rivas Sierra Rey Otero Varela Castaño Figueroa Montes Mesa Rivero "
            "Beltrán Maldonado Toledo Benito Barroso Marcos Corral Robles Salas Lara Oliva "
            "Trujillo Galán Pozo Rosales Cordero Paredes Ballesteros Alarcón"
        ),
        "",
    ),
}
TAIL_P = {"SE": 0.35, "NL": 0.35, "IT": 0.40, "ES": 0.20}
NICK = {  # per name origin: formal first name -> nicknames, roepnamen, short forms
    "SE": {
        "Katarina": "Kattis|Kajsa",
        "Elisabeth": "Lisa|Lisbeth|Elsa",
        "Kristina": "Kicki|Stina",
        "Margareta": "Maggan|Greta",
        "Birgitta": "Gittan|Britta",
        "Fredrik": "Fredde",
        "Mikael": "Micke",
        "Joakim": "Jocke",
        "Thomas": "Tompa",
        "Magnus": "Manne",
        "Andreas": "Andy",
        "Alexander": "Alex",
        "Kristoffer": "Kris|Christoffer",
        "Johanna": "Hanna",
        "Karolina": "Lina|Caroline",
        "Per": "Pelle",
        "Lars": "Lasse",
        "Sebastian": "Sebbe",
        "Karl": "Kalle|Carl",
        "Gustav": "Gurra|Gustaf",
        "Henrik": "Henke",
        "Niklas": "Nicke",
        "Patrik": "Patte",
        "Ulrika": "Ullis",
        "Johan": "Jonte|Jojje",
        "Oskar": "Oscar",
        "Jakob": "Jacob",
        "Göran": "Gurra",
        "Maria": "Mia|Maja",
    },
    "NL": {
        "Johannes": "Jan|Hans|Joop",
        "Hendrik": "Henk|Henny",
        "Cornelis": "Kees|Cor",
        "Jacobus": "Jaap|Koos",
        "Willem": "Wim",
        "Pieter": "Piet",
        "Gerrit": "Gert",
        "Wilhelmina": "Willy|Mien",
        "Cornelia": "Corrie|Nel",
        "Maria": "Marieke|Ria|Mieke",
        "Dirk": "Dick",
        "Thomas": "Tom",
        "Alexander": "Sander|Alex",
        "Johanna": "Anneke|Jo",
        "Elisabeth": "Els|Lisa|Betty",
        "Peter": "Piet",
    },
    "ES": {
        "José": "Pepe",
        "Francisco": "Paco|Fran|Curro",
        "Manuel": "Manolo|Manu",
        "Antonio": "Toni",
        "Alejandro": "Álex|Alex",
        "Jesús": "Chus",
        "Ignacio": "Nacho",
        "Enrique": "Quique",
        "Guillermo": "Guille",
        "Rafael": "Rafa",
        "Fernando": "Fer|Nando",
        "Javier": "Javi",
        "Eduardo": "Edu",
        "Dolores": "Lola",
        "Concepción": "Concha|Conchi",
        "Mercedes": "Merche",
        "Pilar": "Pili",
        "Consuelo": "Chelo",
        "Montserrat": "Montse",
        "Inmaculada": "Inma",
        "Francisca": "Paqui|Paca",
        "Cristina": "Cris",
        "Isabel": "Isa",
        "María José": "Majo|Mariajo",
        "María Dolores": "Lola|Loli",
        "María Carmen": "Maricarmen|Mamen|Carmen",
        "José María": "Chema",
        "Juan Carlos": "Juanca",
        "Francisco Javier": "Javi|Javier",
        "Miguel Ángel": "Miguel",
        "María Teresa": "Maite|Teresa",
        "María Isabel": "Maribel",
        "María Luisa": "Marisa",
        "María Ángeles": "Marián",
        "José Antonio": "Toni|José",
        "María Pilar": "Pilar|Pili",
        "Alberto": "Berto",
    },
    "IT": {
        "Giuseppe": "Peppe|Beppe|Pino",
        "Francesco": "Cesco|Franco|Checco",
        "Giovanni": "Gianni|Nanni",
        "Salvatore": "Totò|Salvo",
        "Vincenzo": "Enzo",
        "Alessandro": "Ale|Sandro",
        "Domenico": "Mimmo",
        "Luigi": "Gino",
        "Federico": "Fede",
        "Gabriele": "Gabri|Lele",
        "Emanuele": "Manu|Lele",
        "Giuseppina": "Pina|Giusy",
        "Caterina": "Cate|Rina",
        "Francesca": "Franci|Fra",
        "Alessandra": "Ale|Sandra",
        "Elisabetta": "Betta|Elisa",
        "Giovanna": "Gianna|Vanna",
        "Antonella": "Anto|Nella",
        "Raffaele": "Lello",
        "Maria Grazia": "Grazia",
        "Stefano": "Ste",
        "Roberto": "Robi",
        "Antonio": "Tonino|Totò",
    },
    "X": {
        "Katarzyna": "Kasia",
        "Małgorzata": "Gosia",
        "Aleksandra": "Ola",
        "Agnieszka": "Aga",
        "Tomasz": "Tomek",
        "Krzysztof": "Krzysiek",
        "Mehmet": "Memo",
        "Mohamed": "Mo",
    },
}
TRANSLIT = {
    "Mohamed": "Mohammed|Muhammad|Mohammad|Mohamad",
    "Youssef": "Yousef|Youssouf|Yusuf|Joesef",
    "Mustapha": "Mustafa",
    "Rachid": "Rashid|Rachied",
    "Khalid": "Khaled",
    "Said": "Saïd|Saeed",
    "Aicha": "Aïcha|Aisha|Aïsha",
    "Khadija": "Khadidja|Khadiya",
    "Meryem": "Maryam|Myriam",
    "Ayoub": "Ayub",
    "Karim": "Kareem",
    "Hüseyin": "Huseyin|Hussein",
    "Mehmet": "Mehmed",
    "Nordin": "Noureddine|Nourdin",
    "Hamza": "Hamsa",
    "Ahmed": "Ahmad|Achmed",
}
MA_PARTICLE = ("El ", "Ben ")
IT_PARTICLE = ("De ", "Di ", "D'", "Lo ", "La ", "Dell'", "Del ")
TWIN_PAIRS = {
    "M": ["Lucas|Lukas", "Jonas|Jonathan", "Pablo|Pedro", "Marco|Matteo", "Daan|Sem", "Emil|Elias"],
    "F": ["Emma|Ella", "Lisa|Lotte", "Lucía|Laura", "Giulia|Giorgia", "Maja|Moa", "Sara|Sofia"],
}

# -------------------------------------------------------------------------------- places
# (city, weight, postal range, metro parent or None, landline area code, spelling variants)
CITIES = {
    "SE": [
        ("Stockholm", 30, (111, 129), None, "8", "STOCKHOLM|Sthlm|Stokholm"),
        ("Göteborg", 14, (411, 426), None, "31", "Goteborg|Gothenburg|Goeteborg|GÖTEBORG"),
        ("Malmö", 10, (211, 218), None, "40", "Malmo|Malmoe|MALMÖ"),
        ("Uppsala", 6, (752, 757), None, "18", ""),
        ("Västerås", 4, (721, 725), None, "21", "Vasteras|Västeras"),
        ("Örebro", 4, (702, 703), None, "19", "Orebro"),
        ("Linköping", 4, (582, 589), None, "13", "Linkoping"),
        ("Helsingborg", 3, (252, 256), None, "42", ""),
        ("Umeå", 3, (903, 907), None, "90", "Umea|Umeaa"),
        ("Lund", 3, (222, 227), "Malmö", "46", ""),
        ("Solna", 4, (169, 171), "Stockholm", "8", ""),
        ("Sundbyberg", 2, (172, 174), "Stockholm", "8", ""),
        ("Nacka", 3, (131, 132), "Stockholm", "8", ""),
        ("Mölndal", 2, (431, 431), "Göteborg", "31", "Molndal"),
    ],
    "NL": [
        ("Amsterdam", 28, (1011, 1109), None, "20", "AMSTERDAM|A'dam|Amsterdm"),
        ("Rotterdam", 17, (3011, 3089), None, "10", "ROTTERDAM|R'dam"),
        (
            "Den Haag",
            13,
            (2491, 2597),
            None,
            "70",
            "'s-Gravenhage|The Hague|Den haag|'s Gravenhage",
        ),
        ("Utrecht", 10, (3511, 3585), None, "30", ""),
        ("Eindhoven", 6, (5611, 5658), None, "40", ""),
        ("Groningen", 5, (9711, 9747), None, "50", ""),
        ("Tilburg", 4, (5011, 5049), None, "13", ""),
        ("Almere", 4, (1311, 1363), "Amsterdam", "36", ""),
        ("Haarlem", 4, (2011, 2037), "Amsterdam", "23", ""),
        ("Amstelveen", 3, (1181, 1189), "Amsterdam", "20", ""),
        ("Zaandam", 2, (1501, 1509), "Amsterdam", "75", ""),
        ("Nijmegen", 3, (6511, 6546), None, "24", ""),
        ("Leiden", 3, (2311, 2334), "Den Haag", "71", ""),
        ("Delft", 2, (2611, 2629), "Den Haag", "15", ""),
    ],
    "ES": [
        ("Madrid", 30, (28001, 28055), None, "91", "MADRID|Madird"),
        ("Barcelona", 20, (8001, 8042), None, "93", "BARCELONA|Barna"),
        ("Valencia", 9, (46001, 46026), None, "96", "València|Valéncia"),
        ("Sevilla", 7, (41001, 41020), None, "954", "Seville|SEVILLA"),
        ("Zaragoza", 5, (50001, 50021), None, "976", ""),
        ("Málaga", 5, (29001, 29018), None, "952", "Malaga"),
        ("Bilbao", 4, (48001, 48015), None, "94", "Bilbo"),
        ("Murcia", 3, (30001, 30012), None, "968", ""),
        ("Palma", 3, (7001, 7015), None, "971", "Palma de Mallorca"),
        ("Alcalá de Henares", 3, (28801, 28807), "Madrid", "91", "Alcala de Henares|Alcalá"),
        ("Getafe", 3, (28901, 28909), "Madrid", "91", ""),
        ("Móstoles", 3, (28931, 28938), "Madrid", "91", "Mostoles"),
        (
            "L'Hospitalet de Llobregat",
            3,
            (8901, 8908),
            "Barcelona",
            "93",
            "Hospitalet de Llobregat|L'Hospitalet",
        ),
    ],
    "IT": [
        ("Roma", 28, (118, 199), None, "06", "Rome|ROMA"),
        ("Milano", 20, (20121, 20162), None, "02", "Milan|MILANO"),
        ("Napoli", 11, (80121, 80147), None, "081", "Naples|NAPOLI"),
        ("Torino", 9, (10121, 10156), None, "011", "Turin"),
        ("Palermo", 6, (90121, 90151), None, "091", ""),
        ("Bologna", 6, (40121, 40141), None, "051", ""),
        ("Firenze", 5, (50121, 50145), None, "055", "Florence"),
        ("Genova", 4, (16121, 16167), None, "010", "Genoa"),
        ("Bari", 3, (70121, 70132), None, "080", ""),
        ("Sesto San Giovanni", 2, (20099, 20099), "Milano", "02", "Sesto S. Giovanni"),
        ("Fiumicino", 2, (54, 54), "Roma", "06", ""),
        ("Guidonia Montecelio", 2, (12, 12), "Roma", "0774", "Guidonia"),
        ("Pozzuoli", 2, (80078, 80078), "Napoli", "081", ""),
    ],
}
BIG = {
    "SE": ["Stockholm", "Göteborg"],
    "NL": ["Amsterdam", "Rotterdam"],
    "ES": ["Madrid", "Barcelona"],
    "IT": ["Roma", "Milano"],
}
STREETS = {
    "SE": (
        "Kungsgatan|Drottninggatan|Storgatan|Vasagatan|Sveavägen|Götgatan|Hornsgatan|Södra vägen|"
        "Linnégatan|Järnvägsgatan|Skolgatan|Kyrkogatan|Parkvägen|Björkvägen|Ringvägen|"
        "Östra Hamngatan|Tegnérgatan|Birger Jarlsgatan|Odengatan|Fleminggatan|Bondegatan|Åsögatan|"
        "Ängsvägen|Industrigatan|Tallvägen"
    ),
    "NL": (
        "Kalverstraat|Dorpsstraat|Kerkstraat|Prinsengracht|Keizersgracht|Hoofdstraat|Stationsweg|"
        "Molenstraat|Schoolstraat|Julianastraat|Wilhelminastraat|Beatrixlaan|Lindenlaan|Eikenlaan|"
        "Van Goghstraat|Rembrandtlaan|Havenstraat|Nieuwe Binnenweg|Laan van Meerdervoort|"
        "Oudegracht|Vondelstraat|Bilderdijkstraat|Overtoom|Marnixstraat|Burgemeester de Vlugtlaan"
    ),
    "ES": (
        "Calle Mayor|Calle de Alcalá|Gran Vía|Calle Serrano|Avenida de América|Calle Toledo|"
        "Paseo de la Castellana|Calle Princesa|Carrer de Balmes|Carrer de Mallorca|"
        "Avinguda Diagonal|Calle Real|Calle San Vicente|Avenida de la Constitución|Calle Larios|"
        "Calle Sierpes|Plaza Mayor|Calle del Carmen|Calle Bravo Murillo|Calle Arturo Soria|"
        "Calle de Atocha|Calle Fuencarral|Avenida de Andalucía"
    ),
    "IT": (
        "Via Roma|Via Garibaldi|Via Mazzini|Via Cavour|Corso Vittorio Emanuele II|Via Dante|"
        "Via Verdi|Piazza della Repubblica|Via Nazionale|Via del Corso|Via Appia Nuova|"
        "Via Tuscolana|Viale Monza|Corso Buenos Aires|Via Toledo|Via Po|Via Marconi|"
        "Via XX Settembre|Viale Europa|Via dei Mille|Via Manzoni|Via Casilina|Viale Trastevere"
    ),
}
SLANG = {
    "Stockholm": "Sthlm|08|Södermalm|Vasastan|Kungsholmen",
    "Göteborg": "Gbg|Götet|Majorna",
    "Malmö": "Mlm|Möllan",
    "Amsterdam": "A'dam|020|Mokum|De Pijp|Jordaan",
    "Rotterdam": "R'dam|010|Kralingen",
    "Den Haag": "The Hague|070|Scheveningen",
    "Madrid": "Madriz|MAD|Malasaña|Lavapiés|Chamberí|Vallecas",
    "Barcelona": "BCN|Barna|Gràcia|Eixample",
    "Roma": "Roma Caput Mundi|Rome|Trastevere|Pigneto|Monti",
    "Milano": "Milan|Navigli|Isola|MI",
    "Napoli": "Napule|Naples|Vomero",
    "Sevilla": "Sevilla la hermosa|Triana",
}
COUNTRY_TXT = {
    "SE": "Sverige|Sweden|SE|Sverige 🇸🇪",
    "NL": "Nederland|Netherlands|NL|Holland 🇳🇱",
    "ES": "España|Spain|ES|España 🇪🇸",
    "IT": "Italia|Italy|IT|Italia 🇮🇹",
}
FLAG = {"SE": "🇸🇪", "NL": "🇳🇱", "ES": "🇪🇸", "IT": "🇮🇹"}
PROFESSION = {"SE": "Fotograf", "NL": "Fotograaf", "ES": "Abogado", "IT": "Ingegnere"}
EMAIL_DOMAINS = {
    "SE": (
        "gmail.example|hotmail.example|telia.example|outlook.example|yahoo.example|"
        "bredband.example|icloud.example|example.com"
    ),
    "NL": (
        "gmail.example|hotmail.example|ziggo.example|kpnmail.example|outlook.example|live.example|"
        "icloud.example|example.net"
    ),
    "ES": (
        "gmail.example|hotmail.example|yahoo.example|telefonica.example|outlook.example|"
        "icloud.example|example.org"
    ),
    "IT": (
        "gmail.example|libero.example|hotmail.example|alice.example|virgilio.example|"
        "tiscali.example|yahoo.example|example.com"
    ),
}
PLACEHOLDER_EMAILS = [
    "noemail@example.com",
    "no@email.example",
    "none@example.org",
    "test@example.com",
    "x@example.net",
    "sinemail@example.com",
    "geen@example.net",
]
PLACEHOLDER_PHONES = ["0000000", "000000000", "+00000000000", "123456789", "0", "1111111111", "-"]
PLACEHOLDER_DOB = ["1900-01-01", "1901-01-01", "1970-01-01", "01/01/1900", "0000-00-00"]
INTERESTS = [
    "football",
    "tennis",
    "cooking",
    "travel",
    "tech",
    "gaming",
    "fashion",
    "fitness",
    "music",
    "films",
    "series",
    "home_improvement",
    "gardening",
    "finance",
    "parenting",
    "pets",
    "cars",
    "cycling",
    "hiking",
    "books",
    "photography",
    "art",
    "politics",
    "energy_saving",
    "solar",
    "crypto",
    "beauty",
    "wine",
    "yoga",
    "running",
    "skiing",
    "sailing",
    "true_crime",
    "anime",
]
_W, _M, _WK, _SF = (
    "Windows NT 10.0; Win64; x64",
    "Macintosh; Intel Mac OS X 10_15_7",
    "AppleWebKit/537.36 (KHTML, like Gecko)",
    "AppleWebKit/605.1.15 (KHTML, like Gecko)",
)
UAS = [
    (dev, f"Mozilla/5.0 ({os_}) {rest}")
    for dev, os_, rest in [
        ("desktop", _W, f"{_WK} Chrome/124.0.0.0 Safari/537.36"),
        ("desktop", _M, f"{_SF} Version/17.4 Safari/605.1.15"),
        ("desktop", _W, f"{_WK} Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"),
        ("desktop", _W + "; rv:126.0", "Gecko/20100101 Firefox/126.0"),
        ("desktop", "X11; Linux x86_64; rv:125.0", "Gecko/20100101 Firefox/125.0"),
        ("desktop", _M, f"{_WK} Chrome/125.0.0.0 Safari/537.36"),
        (
            "mobile",
            "iPhone; CPU iPhone OS 17_5 like Mac OS X",
            f"{_SF} Version/17.5 Mobile/15E148 Safari/604.1",
        ),
        (
            "mobile",
            "iPhone; CPU iPhone OS 16_6 like Mac OS X",
            f"{_SF} Version/16.6 Mobile/15E148 Safari/604.1",
        ),
        ("mobile", "Linux; Android 14; SM-S918B", f"{_WK} Chrome/125.0.0.0 Mobile Safari/537.36"),
        ("mobile", "Linux; Android 13; Pixel 7", f"{_WK} Chrome/124.0.0.0 Mobile Safari/537.36"),
        (
            "mobile",
            "Linux; Android 12; Redmi Note 11",
            f"{_WK} Chrome/120.0.0.0 Mobile Safari/537.36",
        ),
        (
            "mobile",
            "Linux; Android 14; SAMSUNG SM-A546B",
            f"{_WK} SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
        ),
        (
            "tablet",
            "iPad; CPU OS 17_4 like Mac OS X",
            f"{_SF} Version/17.4 Mobile/15E148 Safari/604.1",
        ),
        ("tablet", "Linux; Android 13; SM-X200", f"{_WK} Chrome/123.0.0.0 Safari/537.36"),
        (
            "tv",
            "SMART-TV; Linux; Tizen 7.0",
            f"{_WK} SamsungBrowser/5.0 Chrome/94.0.4606.31 TV Safari/537.36",
        ),
    ]
]
BOT_UAS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "python-requests/2.31.0",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
]
VPN_EXITS = [
    ("Amsterdam", "NL"),
    ("Frankfurt", "DE"),
    ("Stockholm", "SE"),
    ("Zurich", "CH"),
    ("London", "GB"),
    ("Paris", "FR"),
    ("Madrid", "ES"),
    ("Milano", "IT"),
    ("Dublin", "IE"),
]
FOREIGN_MOBILE = {
    "TR": ("TR", "5", "345", 8),
    "PL": ("PL", "", "5678", 8),
    "MA": ("MA", "6", "", 8),
    "VN": ("VN", "9", "", 8),
}
MOBILE = {
    "SE": ("07", "02369", 7),
    "NL": ("06", "12345", 7),
    "ES": ("6", "", 8),
    "IT": ("3", "234679", 8),
}
PLATFORMS = ["instagram", "x", "tiktok", "mastodon"]
MASTODON_INSTANCES = ["mastodon.example", "social.example", "toot.example", "fosstodon.example"]
HANDLE_WORDS = [
    "sunny",
    "night",
    "pixel",
    "lazy",
    "happy",
    "wild",
    "urban",
    "cosmic",
    "salty",
    "little",
    "blue",
    "green",
    "red",
    "lost",
    "coffee",
    "moon",
    "star",
    "wolf",
    "fox",
    "owl",
    "tiger",
    "panda",
    "cat",
    "dog",
    "rider",
    "dreamer",
    "ninja",
    "chef",
    "kid",
    "soul",
    "vibes",
    "wave",
]
BIO = {  # {female form|male form}
    "SE": [
        "{Mamma|Pappa} till två 💕",
        "{Mamma|Pappa}, ingenjör och {i}-nörd",
        "Kaffe & böcker ☕",
        "Hammarby ⚽",
        "Bor i {c}",
    ],
    "NL": [
        "{Mama|Papa} van 2 | Ajax ❤️",
        "Fotograaf uit {c}",
        "Liefhebber van {i}",
        "Feyenoord 💚",
        "Werkt in de zorg",
    ],
    "ES": [
        "{Madrileña|Madrileño} de corazón",
        "{Madre|Padre} y del Atleti",
        "{Enfermera|Enfermero} | {c}",
        "Amante del {i}",
    ],
    "IT": [
        "{Romana|Romano} de Roma 💛❤️",
        "{Mamma|Papà}, {i} e caffè",
        "Ingegnere | {c}",
        "Forza Napoli 💙",
        "Vivo a {c}",
    ],
    "EN": [
        "Coffee addict ☕",
        "Opinions are my own",
        "Tech | Travel | Food",
        "{i} lover",
        "Runner 🏃 | {c}",
        "",
    ],
}
BIZ = {
    "SE": [
        "Frisör {f}|frisor{f}",
        "{l}s Bygg AB|{l}sbygg",
        "Café {f}|cafe{f}",
        "{l} Måleri|{l}maleri",
    ],
    "NL": [
        "Bakkerij {l}|bakkerij{l}",
        "{l} Installatietechniek|{l}installatie",
        "Kapsalon {f}|kapsalon{f}",
    ],
    "ES": [
        "Bar {f}|bar{f}",
        "Ferretería {l}|ferreteria{l}",
        "Peluquería {f}|pelu{f}",
        "Talleres {l} S.L.|talleres{l}",
    ],
    "IT": [
        "Pizzeria da {f}|pizzeriada{f}",
        "Trattoria {l}|trattoria{l}",
        "Parrucchiere {f}|parrucchiere{f}",
        "{l} Costruzioni srl|{l}costruzioni",
    ],
}


def split_names(s):
    return [x.strip() for x in (s.split("|") if "|" in s else s.split()) if x.strip()]


class Pool:
    """Zipf-like weighted choice: the item of rank r has weight 1 / (r + k) ** s."""

    def __init__(self, items, s=1.0, k=4.0):
        self.items = list(items)
        self.cw = list(
            itertools.accumulate(1.0 / (r + k) ** s for r in range(1, len(self.items) + 1))
        )

    def pick(self, rng):
        return rng.choices(self.items, cum_weights=self.cw)[0]


NAMES = {
    o: {
        "M": Pool(split_names(d["M"]), 0.9),
        "F": Pool(split_names(d["F"]), 0.9),
        "last": Pool(split_names(d["last"]), 1.0),
    }
    for o, d in NAMES_RAW.items()
}
CPOOL = {c: {g: Pool(split_names(v), 0.8, 2) for g, v in d.items()} for c, d in COMPOUND.items()}
NICKS = {o: {k: split_names(v) for k, v in d.items()} for o, d in NICK.items()}
TRANS = {k: split_names(v) for k, v in TRANSLIT.items()}

# -------------------------------------------------------------------------------- text noise
SPECIAL = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "’": "'",
        "ª": "a",
        "º": "o",
    }
)
SWEDISH = str.maketrans({"å": "aa", "ä": "ae", "ö": "oe", "Å": "Aa", "Ä": "Ae", "Ö": "Oe"})
NEIGH = {
    c: row[max(0, i - 1) : i] + row[i + 1 : i + 2]
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i, c in enumerate(row)
}
OCR = [
    ("rn", "m"),
    ("m", "rn"),
    ("l", "1"),
    ("o", "0"),
    ("e", "c"),
    ("cl", "d"),
    ("i", "l"),
    ("S", "5"),
    ("B", "8"),
]


def strip_accents(s):
    return "".join(
        c
        for c in unicodedata.normalize("NFKD", s.translate(SPECIAL))
        if not unicodedata.combining(c)
    )


def asciify(s, rng, country=None):
    if country == "SE" and rng.random() < 0.35 and re.search("[åäöÅÄÖ]", s):
        return s.translate(SWEDISH)
    return strip_accents(s)


def slug(s):
    return re.sub(r"[^a-z0-9]", "", strip_accents(s).lower())


def typo(s, rng):
    """One keyboard or OCR slip: transposition, deletion, doubling, neighbour key, OCR confusion."""
    if len(s) < 4:
        return s
    k, i = rng.random(), rng.randrange(1, len(s) - 1)
    if k < 0.6:
        if k < 0.25:  # transposition
            return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
        if k < 0.45:  # deletion
            return s[:i] + s[i + 1 :]
        return s[:i] + s[i] + s[i:]  # doubling
    if k < 0.85 and s[i].lower() in NEIGH:
        c = rng.choice(NEIGH[s[i].lower()])
        return s[:i] + (c.upper() if s[i].isupper() else c) + s[i + 1 :]
    for a, b in rng.sample(OCR, len(OCR)):
        if a in s:
            return s.replace(a, b, 1)
    return s


def text_noise(
    s, rng, p_typo=0.02, p_case=0.04, p_space=0.03, p_ascii=0.08, p_moji=0.004, country=None
):
    if not s:
        return s
    if rng.random() < p_ascii:
        s = asciify(s, rng, country)
    if rng.random() < p_typo:
        s = typo(s, rng)
    r = rng.random()
    if r < p_case:
        s = s.upper() if r < p_case * 0.6 else s.lower()
    if rng.random() < p_space:
        s = rng.choice([" " + s, s + " ", s.replace(" ", "  ", 1), s + "  "])
    if rng.random() < p_moji and s != strip_accents(s):
        s = s.encode("utf-8").decode("latin-1")  # UTF-8 read as Latin-1 somewhere upstream
    return s


def wpick(rng, pairs, default=None):
    """pairs = [(probability, value), ...]: the value hit by one uniform draw, else default."""
    r = rng.random()
    for p, v in pairs:
        if r < p:
            return v
        r -= p
    return default


# -------------------------------------------------------------------------------- small helpers
def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def rand_date(rng, a, b):
    return a + dt.timedelta(days=rng.randrange((b - a).days + 1))


def iso_ts(rng, d):
    return (
        f"{d.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
    )


def fmt_date(d, rng, p_other=0.2):
    if rng.random() >= p_other:
        return d.isoformat()
    return rng.choice(
        [
            f"{d.day:02d}/{d.month:02d}/{d.year}",
            f"{d.day:02d}/{d.month:02d}/{d.year}",
            f"{d.day:02d}-{d.month:02d}-{d.year}",
            f"{d.year}{d.month:02d}{d.day:02d}",
            f"{d.day}.{d.month}.{d.year}",
            f"{d.year}/{d.month:02d}/{d.day:02d}",
        ]
    )


def safe_date(y, m, d):
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def dob_error(d, rng):
    """A plausible wrong birth date: day/month swap, digit typo, wrong year or off-by-one day."""
    for _ in range(6):
        k = rng.random()
        if k < 0.3 and d.day <= 12 and d.day != d.month:
            x = safe_date(d.year, d.day, d.month)
        elif k < 0.55:
            s = list(d.strftime("%Y%m%d"))
            s[rng.choice([2, 3, 5, 6, 7])] = rng.choice("0123456789")
            x = safe_date(int("".join(s[:4])), int("".join(s[4:6])), int("".join(s[6:])))
        elif k < 0.8:
            x = safe_date(d.year + rng.choice([-10, -1, 1, 1, 10]), d.month, min(d.day, 28))
        else:
            x = d + dt.timedelta(days=rng.choice([-1, 1]))
        if x and x != d and x < TODAY:
            return x
    return d + dt.timedelta(days=1)


def id_maker(rng, lo, hi, fmt):
    used = set()

    def new():
        while (n := rng.randrange(lo, hi)) in used:
            pass
        used.add(n)
        return fmt.format(n)

    return new


def gender_pl(name, g):  # Polish feminine surname: Kowalski -> Kowalska
    return re.sub(r"(s|c|dz)ki$", r"\1ka", name) if g == "F" else name


def last_plain(p):
    L = p["last"]
    return L["a"] if L["s"] == "es" else (p.get("married") or L["name"])


def compound_variant(f, rng):
    """María José -> María / María-José / Mª José / M. José / María J. / Maria Jose.

    Italian compounds are joined or split instead: Gian Luca <-> Gianluca.
    """
    if f in IT_JOIN:
        return IT_JOIN[f]
    a, b = f.split()
    if a in ("María", "Maria") and rng.random() < 0.3:
        return rng.choice([f"Mª {b}", f"M. {b}", f"Mª{b}", f"Ma. {b}"])
    return wpick(
        rng,
        [(0.4, a), (0.2, f"{a}-{b}"), (0.15, f"{a[0]}. {b}"), (0.1, f"{a} {b[0]}.")],
        strip_accents(f),
    )


def particle_variant(name, rng, origin):
    """Dutch tussenvoegsels, Italian particles and Arabic El/Ben, written the ways people do."""
    toks = name.split()
    pre = [t for t in toks if t[0].islower() or t == "'t"]
    if pre:
        base, ps = " ".join(t for t in toks if t not in pre), " ".join(pre)
        return wpick(
            rng,
            [
                (0.58, name),
                (0.1, ps[0].upper() + ps[1:] + " " + base),
                (0.09, f"{base}, {ps}"),
                (0.11, base),
                (0.03, f"{base} {ps}"),
                (0.04, ("vd " if ps.startswith("van d") else ps + " ") + base),
                (0.03, " ".join(t.capitalize() for t in pre) + " " + base),
            ],
            (ps + base).replace(" ", "").capitalize(),
        )
    if origin == "IT" and name.startswith(IT_PARTICLE) and rng.random() < 0.22:
        if "'" in name:
            return rng.choice(
                [
                    name.replace("'", " "),
                    name.replace("'", ""),
                    name.replace("'", "’"),
                    name.replace("'", "").capitalize(),
                ]
            )
        return rng.choice(
            [
                name.replace(" ", ""),
                name.replace(" ", "").capitalize(),
                name[0].lower() + name[1:],
                name.upper(),
            ]
        )
    if origin == "MA" and name.startswith(MA_PARTICLE) and rng.random() < 0.35:
        return rng.choice(
            [name.replace(" ", "-"), name.replace(" ", "").capitalize(), name.split(" ", 1)[1]]
        )
    return name


ABBREV = {
    "SE": [("gatan", "g."), ("vägen", "v."), ("Södra ", "S. "), ("Östra ", "Ö. ")],
    "NL": [("straat", "str."), ("laan", "ln."), ("Burgemeester ", "Burg. "), ("gracht", "gr.")],
    "ES": [
        ("Calle de ", "C/ "),
        ("Calle del ", "C/ "),
        ("Calle ", "C/"),
        ("Avenida de ", "Avda. "),
        ("Avenida ", "Av. "),
        ("Paseo ", "Pº "),
        ("Plaza ", "Pza. "),
        ("Carrer de ", "C/ "),
    ],
    "IT": [
        ("Via ", "V. "),
        ("Viale ", "V.le "),
        ("Corso ", "C.so "),
        ("Piazza ", "P.zza "),
        ("Vittorio Emanuele", "V. Emanuele"),
    ],
}


def abbreviate(street, c):
    for a, b in ABBREV[c]:
        if a in street:
            return street.replace(a, b, 1)
    return street


def fmt_phone(e164, rng, home):
    """A valid number written the way people type it.

    E.164, international, 00-prefix, national or bare digits.
    """
    num = phonenumbers.parse(e164)
    region = phonenumbers.region_code_for_number(num)
    intl = phonenumbers.format_number(num, PNF.INTERNATIONAL)
    nat = phonenumbers.format_number(num, PNF.NATIONAL)
    natd, cc, rest = re.sub(r"\D", "", nat), str(num.country_code), intl.split(" ", 1)[1]
    opts = [
        (intl, 26),
        (e164, 16),
        (f"00{cc} {rest}", 5),
        (f"00{cc}{e164[len(cc) + 1 :]}", 3),
        (f"(+{cc}) {rest}", 3),
        (f"+{cc}-{rest.replace(' ', '-')}", 3),
    ]
    if region == home:
        opts += [(nat, 18), (natd, 16)]
        if region == "NL" and natd.startswith("06"):
            opts.append((f"06-{natd[2:]}", 8))
        if region in ("SE", "NL"):
            opts.append((natd[1:], 2))  # trunk zero lost
        if region in ("ES", "IT"):
            opts.append((" ".join([natd[:3], natd[3:6], natd[6:]]), 6))
    return rng.choices([o for o, _ in opts], weights=[w for _, w in opts])[0]


def email_noise(e, rng):
    local, dom = e.split("@")
    # a typo in the provider label ("gmial.example") or, for example.com, in the local part
    slip = (
        local + "@" + typo(dom.split(".")[0], rng) + "." + dom.split(".", 1)[1]
        if dom.endswith(".example")
        else typo(local, rng) + "@" + dom
    )
    return wpick(
        rng,
        [
            (0.03, e[0].upper() + e[1:]),
            (0.02, e.upper()),
            (0.01, " " + e),
            (0.01, e + " "),
            (0.01, slip),
        ],
        e,
    )


def sha(email):
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


# -------------------------------------------------------------------------------- generator
class Gen:
    def __init__(self, n_persons, seed):
        self.n, self.rng = n_persons, random.Random(seed)
        self.persons, self.households = [], []
        self.used_phones, self.used_emails, self.used_ips = set(), set(), set()
        self.city_by = {c: {x[0]: x for x in lst} for c, lst in CITIES.items()}
        rng = self.rng
        # office NAT, shared by colleagues
        self.office_ips = [f"192.0.2.{i}" for i in range(1, 255)]
        self.wifi = []  # public hotspots (cafés, stations)
        for i in range(1, 160):
            c = self.pick_country()
            self.wifi.append(
                (
                    f"203.0.113.{i}",
                    c,
                    self.pick_city(c)[0] if rng.random() < 0.5 else rng.choice(BIG[c]),
                )
            )
        self.vpn = [(f"198.51.100.{i}",) + rng.choice(VPN_EXITS) for i in range(1, 60)]
        self.namesakes = self.make_namesake_templates()

    # ------------------------------------------------------------ places, phones, e-mails, IPs
    def pick_country(self):
        return self.rng.choices(list(COUNTRY_W), weights=list(COUNTRY_W.values()))[0]

    def pick_city(self, country):
        return self.rng.choices(CITIES[country], weights=[x[1] for x in CITIES[country]])[0]

    def postal(self, country, city):
        rng, n = self.rng, self.rng.randint(*city[2])
        if country in ("SE", "NL"):  # "114 32", "1012 AB"
            return f"{n} " + (
                f"{rng.randrange(10, 100)}"
                if country == "SE"
                else "".join(rng.choices("ABCDEGHJKLMNPRTVWXZ", k=2))
            )
        return f"{n:05d}"

    def address(self, country, city=None):
        rng = self.rng
        city = city or self.pick_city(country)
        a = dict(
            country=country,
            city=city[0],
            postal=self.postal(country, city),
            letter="",
            unit="",
            street=rng.choice(split_names(STREETS[country])),
            number=min(int(rng.expovariate(1 / 22)) + 1, 240),
        )
        r = rng.random()
        if country == "SE":
            a["letter"] = rng.choice("AB") if r < 0.12 else ""
            # apartment ("lgh") number
            a["unit"] = (
                f"{rng.randint(10, 16)}{rng.randint(1, 9):02d}" if rng.random() < 0.6 else ""
            )
        elif country == "NL":
            a["unit"] = rng.choice(["A", "B", "-2", "-3", "hs", "-1", "C"]) if r < 0.35 else ""
        elif country == "ES" and r < 0.8:  # floor and door
            a["unit"] = (
                rng.choice("1234567") if rng.random() < 0.9 else "Bajo",
                rng.choice(["A", "B", "C", "D", "1", "2", "izda", "dcha"]),
            )
        elif country == "IT":
            a["letter"] = rng.choice("ABC") if r < 0.1 else ""
            a["unit"] = str(rng.randint(1, 30)) if rng.random() < 0.45 else ""
        return a

    def phone(self, country, kind="mobile", area=None):
        rng = self.rng
        for _ in range(300):
            if kind == "landline":
                n = {
                    "SE": 7 if area == "8" else rng.choice([6, 7]),
                    "NL": 9 - len(area),
                    "ES": 9 - len(area),
                    "IT": 10 - len(area),
                }[country]
                region = country
                nat = (
                    ("0" if country in ("SE", "NL") else "")
                    + area
                    + str(rng.randint(2, 9))
                    + digits(rng, n - 1)
                )
            else:
                region, pre, nxt, n = (
                    FOREIGN_MOBILE[country] if kind == "foreign" else (country,) + MOBILE[country]
                )
                nat = pre + (rng.choice(nxt) if nxt else "") + digits(rng, n)
            num = phonenumbers.parse(nat, region)
            e = phonenumbers.format_number(num, PNF.E164)
            if phonenumbers.is_valid_number(num) and e not in self.used_phones:
                return self.used_phones.add(e) or e
        raise RuntimeError(f"could not make a valid {kind} number for {country}")

    def unique_email(self, local, dom):
        e = f"{local}@{dom}"
        while e in self.used_emails:
            e = f"{local}{self.rng.randint(2, 9999)}@{dom}"
        return self.used_emails.add(e) or e

    def email(self, first, last, yob, country):
        rng = self.rng
        given, family_full = slug(first.split()[0]) or "x", slug(last) or "y"
        # Dutch: often without the tussenvoegsel ("berg" rather than "vanderberg")
        family = slug(last.split()[-1]) if country == "NL" and rng.random() < 0.5 else family_full
        styles = [
            f"{given}.{family}",
            f"{given}{family}",
            f"{given[0]}.{family}",
            f"{given}_{family}",
            f"{given}{family}{yob % 100:02d}",
            f"{given}.{family_full}",
            f"{family}.{given}",
            f"{given}{rng.randint(1, 999)}",
            f"{given[0]}{family}",
            f"{given}.{family}{rng.randint(1, 99)}",
            f"{rng.choice(HANDLE_WORDS)}{given}",
            f"{given}{yob}",
        ]
        local = rng.choices(styles, weights=[20, 12, 6, 5, 8, 4, 3, 6, 5, 5, 2, 4])[0]
        return self.unique_email(local, rng.choice(split_names(EMAIL_DOMAINS[country])))

    def home_ip(self):
        """A unique 10/8 address standing in for a household's public IPv4 address."""
        rng = self.rng
        while True:
            ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if ip not in self.used_ips:
                self.used_ips.add(ip)
                return ip

    # ------------------------------------------------------------ people
    def make_namesake_templates(self):
        """Per big city a few very common full names that several unrelated residents will carry."""
        rng, out = self.rng, {}
        for c in COUNTRY_W:
            seen = {}
            while len(seen) < 12:
                g, city = rng.choice("MF"), rng.choice(BIG[c])
                first = rng.choice(NAMES[c][g].items[:5])
                last = rng.choice(NAMES[c]["last"].items[:6])
                yob = rng.randint(1950, 2000)
                surnames = last
                if c == "ES":  # Spanish templates carry both surnames
                    surnames = (last, rng.choice(NAMES["ES"]["last"].items[:20]))
                template = dict(g=g, first=first, city=city, yob=yob, last=surnames)
                seen.setdefault((g, city, first, last), template)
            out[c] = list(seen.values())
        return out

    def first_name(self, origin, g):
        if origin in CPOOL and self.rng.random() < (0.22 if origin == "ES" else 0.07):
            return CPOOL[origin][g].pick(self.rng)
        return NAMES[origin][g].pick(self.rng)

    def surname(self, origin):
        rng = self.rng
        if origin not in TAIL or rng.random() >= TAIL_P[origin]:
            return NAMES[origin]["last"].pick(rng)
        stems, ends = TAIL[origin]
        if not ends:
            return rng.choice(stems.split())
        stem, end = rng.choice(stems.split()), rng.choice(ends.split())
        s = (stem + end if not stem.lower().startswith(end) else stem + "lund").capitalize()
        return (
            rng.choice(["van ", "van der ", "de ", "ter "]) + s
            if origin == "NL" and rng.random() < 0.3
            else s
        )

    def new_last(self, origin, g):
        if origin == "ES":
            return dict(s="es", a=self.surname("ES"), b=self.surname("ES"))
        s = self.surname(origin)
        return dict(s="plain", name=gender_pl(s, g) if origin == "PL" else s)

    def person(self, hh, g, age, origin, last=None, first=None, keep_first=True):
        rng = self.rng
        dob = TODAY - dt.timedelta(days=int(age * 365.25) + rng.randrange(365))
        while first is None or (first in {m["first"] for m in hh["members"]} and not keep_first):
            # siblings never share a first name
            first, keep_first = self.first_name(origin, g), False
        p = dict(
            id=f"P{len(self.persons) + 1:06d}",
            hh=hh,
            country=hh["country"],
            origin=origin,
            g=g,
            dob=dob,
            yob=dob.year,
            age=age,
            first=first,
            last=last or self.new_last(origin, g),
            given_full=None,
            goes_by=None,
            alt=TRANS.get(first),
            married=None,
            old_addr=None,
            mobile=None,
            old_mobile=None,
            email=None,
            old_email=None,
            fam_email=False,
            office=None,
            privacy=rng.random(),
            interests=rng.sample(INTERESTS, rng.randint(3, 6)),
            digital=min(
                1.0,
                max(0.0, rng.betavariate(2, 2) + (0.18 if age < 35 else -0.22 if age > 64 else 0)),
            ),
        )
        if origin == "SE" and rng.random() < 0.35:
            # Swedish second given name; either may be the call name
            other = NAMES["SE"][g].pick(rng)
            if other != first:
                p["given_full"] = f"{first} {other}" if rng.random() < 0.7 else f"{other} {first}"
        if origin == "NL" and rng.random() < 0.45:
            # Dutch official names, e.g. Johannes Hendrikus Maria
            extra = [NAMES["NL"][g].pick(rng) for _ in range(rng.choice([1, 1, 2]))]
            extra += ["Maria"] if g == "M" and rng.random() < 0.25 else []
            p["given_full"] = " ".join([first] + [e for e in extra if e != first])
        nicks = NICKS.get(origin, NICKS["X"]).get(first)
        if nicks and rng.random() < {"NL": 0.5, "ES": 0.25, "IT": 0.25, "SE": 0.2}.get(origin, 0.2):
            p["goes_by"] = rng.choice(nicks)
        self.persons.append(p)
        hh["members"].append(p)
        return p

    def contact(self, p):
        """Mobile, e-mail and their older versions; assigned once all households exist."""
        rng, age = self.rng, p["age"]
        if age >= 11 and not (age > 78 and rng.random() < 0.3):
            # still uses the home-country SIM
            foreign = p["origin"] in FOREIGN_MOBILE and rng.random() < 0.15
            p["mobile"] = (
                self.phone(p["origin"], "foreign") if foreign else self.phone(p["country"])
            )
            if rng.random() < 0.13:
                p["old_mobile"] = self.phone(p["country"])
        if age >= 12:
            fn = p["goes_by"] if p["goes_by"] and rng.random() < 0.3 else p["first"]
            p["email"] = self.email(fn, last_plain(p), p["yob"], p["country"])
            if rng.random() < 0.16:
                p["old_email"] = self.email(p["first"], last_plain(p), p["yob"], p["country"])

    # ------------------------------------------------------------ households
    def new_hh(self, country, city=None):
        rng = self.rng
        hh = dict(
            country=country,
            addr=self.address(country, city),
            members=[],
            landline=None,
            fam_email=None,
            ip4=self.home_ip(),
            ip6=f"2001:db8:{rng.getrandbits(16):x}:{rng.getrandbits(16):x}",
            old_addr=None,
        )
        if rng.random() < 0.1:  # the whole household moved
            hh["old_addr"] = self.address(
                country, None if rng.random() < 0.4 else self.city_by[country][hh["addr"]["city"]]
            )
        self.households.append(hh)
        return hh

    def adult(self, hh, g, age, origin, last=None, template_ok=True):
        rng, country, city, first = self.rng, hh["country"], hh["addr"]["city"], None
        if template_ok and origin == country and city in BIG[country] and rng.random() < 0.06:
            # one of the city's namesake templates
            cands = [t for t in self.namesakes[country] if t["g"] == g and t["city"] == city]
            if cands:
                t = rng.choice(cands)
                first = t["first"]
                if country == "ES":
                    second = t["last"][1] if rng.random() < 0.5 else self.surname("ES")
                    last = dict(s="es", a=t["last"][0], b=second)
                else:
                    last = dict(s="plain", name=t["last"])
                if rng.random() < 0.3:
                    age = TODAY.year - t["yob"] - 1
        return self.person(hh, g, age, origin, last=last, first=first)

    def child_last(self, origin, g, father, mother):
        if origin == "ES":  # father's first surname + mother's first surname
            a = (
                father["last"]["a"]
                if father and father["last"]["s"] == "es"
                else self.surname("ES")
            )
            b = (
                mother["last"]["a"]
                if mother and mother["last"]["s"] == "es"
                else self.surname("ES")
            )
            return dict(s="es", a=a, b=b)
        base = father or mother
        if not base:
            name = self.surname(origin)
        elif base is mother and base.get("married"):
            name = base.get("married")
        else:
            name = base["last"]["name"]
        return dict(s="plain", name=gender_pl(name, g) if origin == "PL" else name)

    def build(self):
        rng = self.rng
        while len(self.persons) < self.n:
            country = origin = self.pick_country()
            if rng.random() < 0.085:
                origin = rng.choices(["TR", "MA", "PL", "VN", "X"], weights=[20, 22, 18, 10, 30])[0]
                if origin == "X":
                    origin = rng.choice([c for c in COUNTRY_W if c != country])
            hh = self.new_hh(country)
            t = hh["type"] = rng.choices(
                ["single", "couple", "family", "single_parent", "flat", "elder"],
                weights=[30, 22, 27, 7, 8, 6],
            )[0]
            if t == "single":
                a = self.adult(hh, rng.choice("MF"), rng.randint(19, 88), origin)
                if rng.random() < 0.012:
                    self.adult_twin(a)
            elif t in ("couple", "family"):
                age = rng.randint(24, 86) if t == "couple" else rng.randint(27, 52)
                g1 = rng.choice("MF")
                g2 = ("F" if g1 == "M" else "M") if rng.random() < 0.93 else g1
                a = self.adult(hh, g1, age, origin)
                b = self.adult(hh, g2, max(19, age + rng.randint(-6, 6)), origin, template_ok=False)
                self.marry(a, b)
                if t == "family":
                    father = a if a["g"] == "M" else b if b["g"] == "M" else None
                    mother = b if father is a else a
                    self.kids(
                        hh,
                        origin,
                        father,
                        mother,
                        min(a["age"], b["age"]),
                        rng.choice([1, 1, 2, 2, 2, 3, 3, 4]),
                    )
                if rng.random() < (0.45 if country in ("IT", "ES") else 0.2):
                    hh["fam_email"] = self.family_email(a, b)
            elif t == "single_parent":
                a = self.adult(
                    hh, rng.choices("FM", weights=[80, 20])[0], rng.randint(26, 55), origin
                )
                self.kids(
                    hh,
                    origin,
                    a if a["g"] == "M" else None,
                    a if a["g"] == "F" else None,
                    a["age"],
                    rng.choice([1, 2, 2, 3]),
                )
            elif t == "flat":
                for _ in range(rng.choice([2, 2, 3, 4])):
                    self.adult(
                        hh,
                        rng.choice("MF"),
                        rng.randint(19, 34),
                        origin if rng.random() < 0.5 else country,
                    )
            else:
                # elderly parent with an adult child, maybe a "junior" with the parent's first name
                g, cg = rng.choice("MF"), rng.choice("MF")
                old = self.adult(hh, g, rng.randint(70, 93), origin, template_ok=False)
                same = cg == g and rng.random() < (0.45 if country in ("ES", "IT") else 0.25)
                last = self.child_last(
                    origin, cg, old if g == "M" else None, old if g == "F" else None
                )
                self.person(
                    hh,
                    cg,
                    rng.randint(max(19, old["age"] - 45), old["age"] - 20),
                    origin,
                    last=last,
                    first=old["first"] if same else None,
                )
            if rng.random() < {"IT": 0.45, "ES": 0.4, "NL": 0.22, "SE": 0.14}[country] + (
                0.3 if t == "elder" else 0
            ):
                hh["landline"] = self.phone(
                    country, "landline", self.city_by[country][hh["addr"]["city"]][4]
                )
        # the last household overshot the target: drop its extra members
        for p in self.persons[self.n :]:
            p["hh"]["members"].remove(p)
        del self.persons[self.n :]
        for p in self.persons:
            self.contact(p)
        for p in self.persons:
            hh = p["hh"]
            p["fam_email"] = bool(hh["fam_email"]) and p["age"] >= 18 and rng.random() < 0.6
            if not p["old_addr"] and hh["old_addr"]:
                p["old_addr"] = hh["old_addr"]
            elif not p["old_addr"] and p["age"] >= 20 and rng.random() < 0.08:
                # moved in with this household
                p["old_addr"] = self.address(
                    p["country"],
                    None if rng.random() < 0.5 else self.city_by[p["country"]][hh["addr"]["city"]],
                )
            if p["age"] >= 22 and rng.random() < 0.4:
                p["office"] = rng.choice(self.office_ips)
        # operators re-issue abandoned numbers
        donors = [p for p in self.persons if p["old_mobile"]]
        for d in rng.sample(donors, min(len(donors), max(1, self.n // 400))):
            taker = rng.choice(self.persons)
            if taker is not d and taker["mobile"] and taker["country"] == d["country"]:
                taker["old_mobile"], taker["mobile"] = taker["mobile"], d["old_mobile"]

    def adult_twin(self, a):
        """A twin living alone elsewhere: same surname and birth date, same childhood address."""
        rng, c = self.rng, a["country"]
        hh = self.new_hh(
            c, self.city_by[c][a["hh"]["addr"]["city"]] if rng.random() < 0.6 else None
        )
        hh["type"], g = "single", rng.choice("MF")
        pair = split_names(rng.choice(TWIN_PAIRS[g]))
        first = (
            self.first_name(a["origin"], g)
            if rng.random() < 0.5 or a["first"] in pair
            else pair[rng.randrange(2)]
        )
        last = (
            dict(s="plain", name=gender_pl(a["last"]["name"], g))
            if a["origin"] == "PL"
            else dict(a["last"])
        )
        t = self.person(hh, g, a["age"], a["origin"], last=last, first=first)
        t["dob"], t["yob"], t["twin_of"] = a["dob"], a["yob"], a["id"]
        a["old_addr"] = t["old_addr"] = self.address(c)

    def marry(self, a, b):
        rng = self.rng
        if a["g"] == b["g"] or a["last"]["s"] != "plain" or b["last"]["s"] != "plain":
            return
        h, w = (a, b) if a["g"] == "M" else (b, a)
        o = w["origin"]
        if rng.random() < {"SE": 0.55, "NL": 0.6, "TR": 0.8, "PL": 0.8}.get(o, 0):
            name = gender_pl(h["last"]["name"], "F") if o == "PL" else h["last"]["name"]
            w["married"] = (
                f"{name}-{w['last']['name']}" if o == "NL" and rng.random() < 0.35 else name
            )

    def kids(self, hh, origin, father, mother, parent_age, n):
        rng = self.rng
        twins = n >= 2 and rng.random() < 0.06
        for i in range(n):
            g = rng.choice("MF")
            first = (
                self.first_name(hh["country"], g)
                if origin != hh["country"] and rng.random() < 0.4
                else None
            )
            if (
                father
                and g == "M"
                and i == 0
                and rng.random() < (0.12 if origin in ("ES", "IT") else 0.04)
            ):
                first = father["first"]  # named after his father
            if twins and i == 1:
                prev = hh["members"][-1]
                g = prev["g"] if rng.random() < 0.6 else g
                pair = split_names(rng.choice(TWIN_PAIRS[g]))
                first = pair[1] if rng.random() < 0.5 and pair[1] != prev["first"] else None
                last = (
                    dict(prev["last"])
                    if prev["last"]["s"] == "es"
                    else self.child_last(origin, g, father, mother)
                )
                k = self.person(hh, g, prev["age"], origin, last=last, first=first)
                k["dob"], k["yob"], k["twin_of"] = prev["dob"], prev["yob"], prev["id"]
                continue
            age = rng.randint(0, max(0, min(parent_age - 20, 30)))
            self.person(
                hh, g, age, origin, last=self.child_last(origin, g, father, mother), first=first
            )

    def family_email(self, a, b):
        rng, c, la = self.rng, a["country"], slug(last_plain(a))
        fa, fb = slug(a["first"].split()[0]), slug(b["first"].split()[0])
        local = rng.choice(
            [
                {"SE": "familjen.", "NL": "fam.", "ES": "familia.", "IT": "famiglia."}[c] + la,
                f"{fa}{fb}",
                f"{la}{slug(last_plain(b))}",
                f"{fa}.en.{fb}" if c == "NL" else f"casa{la}",
            ]
        )
        return self.unique_email(local, rng.choice(split_names(EMAIL_DOMAINS[c])))

    # ------------------------------------------------------------ rendering identity fields
    def render_first(self, p, formality):
        """The first-name form a source records.

        formality: 0 = formal register (utility), 1 = account sign-up (streaming), 2 = web / social.
        """
        rng, f = self.rng, p["first"]
        r = rng.random()
        if formality == 0 and p["given_full"] and r < 0.3:
            f = p["given_full"] if rng.random() < 0.8 else p["given_full"].split()[0]
        elif formality == 0 and p["origin"] == "NL" and r < 0.4:
            f = "".join(n[0] + "." for n in (p["given_full"] or f).split())  # J.H.M.
        elif p["goes_by"] and rng.random() < (0.08, 0.3, 0.55)[formality]:
            f = p["goes_by"]
        elif p["alt"] and rng.random() < 0.3:
            f = rng.choice(p["alt"])
        if p["origin"] in ("ES", "IT") and len(f.split()) == 2 and rng.random() < 0.35:
            f = compound_variant(f, rng)
        elif f in IT_JOIN and rng.random() < 0.3:
            f = IT_JOIN[f]
        return f

    def render_last(self, p, formality, stale=False):
        rng, L = self.rng, p["last"]
        if L["s"] == "es":
            a, b = L["a"], L["b"]
            return wpick(
                rng,
                [
                    (0.55, f"{a} {b}"),
                    (0.27, a),
                    (0.08, f"{a}-{b}"),
                    (0.03, f"{a} y {b}"),
                    (0.01, b),
                ],
                f"{a} {b}",
            )
        name = L["name"]
        if p["married"] and not stale and rng.random() < 0.75:
            name = p["married"]
        elif p["married"] and rng.random() < 0.15:
            name = f"{p['married'].split('-')[0]}-{L['name']}"
        if p["origin"] == "VN" and rng.random() < 0.15:
            return name + " " + p["first"].split()[0]  # middle name written with the family name
        out = particle_variant(name, rng, p["origin"])
        # "Berg, van der" is a register format only
        return name if formality == 2 and ", " in out else out

    def name_pair(self, p, formality, stale=False):
        first, last = self.render_first(p, formality), self.render_last(p, formality, stale)
        if p["origin"] == "VN":
            r = self.rng.random()
            if r < 0.12:
                first, last = last.split()[0], p["first"]  # family name first, as on the passport
            elif r < 0.2:
                first = p["first"].split()[-1]
        return first, last

    def fmt_addr(self, a, rng):
        c, street, num, u = a["country"], a["street"], str(a["number"]), a["unit"]
        if rng.random() < 0.12:
            street = abbreviate(street, c)
        if c == "SE":
            s = f"{street} {num}{rng.choice(['', ' '])}{a['letter']}".rstrip()
            if u and rng.random() < 0.7:
                s += rng.choice([f" lgh {u}", f", lgh {u}", f" LGH {u}", f" {u}"])
        elif c == "NL":
            if u.isalpha() and len(u) == 1:
                u = rng.choice([u, " " + u, "-" + u, u.lower(), " " + u.lower()])
            elif u == "hs":
                u = rng.choice(["hs", " hs", "-H", " huis", "huis"])
            elif u:
                u = rng.choice([u, " " + u[1:], "-" + "I" * int(u[1]), " " + u[1:] + "e"])
            s = f"{street} {num}{u}"
        elif c == "ES":
            s = rng.choice(
                [f"{street} {num}", f"{street}, {num}", f"{street} nº {num}", f"{street}, nº {num}"]
            )
            if u and rng.random() < 0.85:
                fl, d = u
                fd = fl if fl == "Bajo" else fl + rng.choice(["º", "º", "", "°"])
                dd = d + ("ª" if d.isdigit() and rng.random() < 0.5 else "")
                s += rng.choice([f", {fd} {dd}", f" {fd}{dd}", f", {fd}-{dd}", f" {fl} {d}"])
        else:
            s = rng.choice([f"{street} {num}", f"{street}, {num}", f"{street} n. {num}"])
            if a["letter"]:
                s += rng.choice([f"/{a['letter']}", a["letter"], f" {a['letter']}"])
            if u and rng.random() < 0.5:
                s += rng.choice([f" int. {u}", f", int. {u}", f" interno {u}", " scala B"])
        s = text_noise(s, rng, p_typo=0.02, p_case=0.05, p_space=0.03, p_ascii=0.06, country=c)
        pc, r = a["postal"], rng.random()
        if c in ("SE", "NL") and r < 0.35:
            pc = rng.choice(
                [pc.replace(" ", ""), "SE-" + pc, "S-" + pc.replace(" ", "")]
                if c == "SE"
                else [pc.replace(" ", ""), pc.lower(), pc.replace(" ", "").lower()]
            )
        elif c in ("ES", "IT") and r < 0.025:
            pc = pc.lstrip("0")  # a spreadsheet ate the leading zeros
        crow = self.city_by[c][a["city"]]
        city = (
            wpick(
                rng, [(0.12, crow[3]), (0.13, rng.choice(crow[5].split("|")) if crow[5] else None)]
            )
            or a["city"]
        )
        city = text_noise(
            city, rng, p_typo=0.01, p_case=0.04, p_space=0.02, p_ascii=0.05, country=c
        )
        return s, "" if rng.random() < 0.03 else pc, city

    # ------------------------------------------------------------ registries and orders
    def registry(self, src):
        rng, util = self.rng, src == "utility"
        new_id = (
            id_maker(rng, 10_000_000, 99_999_999, "{}")
            if util
            else id_maker(rng, 1_000_000, 9_999_999, "SV{}")
        )
        recs = []
        for p in self.persons:
            age, d = p["age"], p["digital"]
            if util:  # older people more likely
                age_factor = 1.25 if age > 40 else 0.8 if age < 28 else 1
                pr = 0 if age < 19 else 0.45 * age_factor * (1.1 - 0.2 * d)
            else:  # the digitally active, and a few teenagers
                pr = 0.06 if 15 <= age < 18 else 0 if age < 18 else 0.42 + 0.35 * d
            if rng.random() >= pr:
                continue
            start = rand_date(rng, dt.date(2014, 1, 1), TODAY - dt.timedelta(days=30))
            if p["old_addr"] and util and rng.random() < 0.06:
                # an old contract at the old address, then a new one
                recs.append(self.reg_row(p, src, new_id(), True, start, "cancelled"))
                recs.append(
                    self.reg_row(p, src, new_id(), False, rand_date(rng, start, TODAY), "active")
                )
                continue
            stale = bool(p["old_addr"]) and rng.random() < (0.12 if util else 0.4)
            recs.append(self.reg_row(p, src, new_id(), stale, start, None))
            if rng.random() < (0.02 if util else 0.028):  # re-registration with partly changed data
                recs[-1][1]["subscription_status"] = rng.choice(
                    ["cancelled", "cancelled", "active", "paused"]
                )
                recs.append(
                    self.reg_row(
                        p, src, new_id(), False, rand_date(rng, start, TODAY), "active", dup=True
                    )
                )
        rng.shuffle(recs)
        return recs

    def reg_row(self, p, src, sid, stale, start, status, dup=False):
        rng, util, c, hh = self.rng, src == "utility", p["country"], p["hh"]
        first, last = self.name_pair(p, 0 if util else 1, stale)
        kw = dict(
            p_typo=0.025 if dup else 0.015,
            p_case=0.08 if util else 0.03,
            p_ascii=0.15 if util else 0.08,
            country=c,
        )
        first, last = text_noise(first, rng, **kw), text_noise(last, rng, **kw)
        miss = 0.03 if util else 0.13  # streaming sign-up does not ask for a birth date
        bd = wpick(rng, [(miss, ""), (0.012, rng.choice(PLACEHOLDER_DOB))], None)
        if bd is None:
            bd = fmt_date(
                dob_error(p["dob"], rng) if rng.random() < (0.07 if dup else 0.045) else p["dob"],
                rng,
                0.22 if util else 0.12,
            )
        gender = wpick(
            rng,
            [
                (0.1, ""),
                (0.006, "M" if p["g"] == "F" else "F"),
                (0.004, "X"),
                (0.05, {"M": "male", "F": "female"}[p["g"]]),
            ],
            p["g"],
        )
        street, pc, city = self.fmt_addr(p["old_addr"] if stale else hh["addr"], rng)
        r = rng.random()
        ph = (
            p["old_mobile"]
            if stale and p["old_mobile"] and r < 0.6
            else hh["landline"]
            if hh["landline"] and (r < (0.4 if util else 0.1) or not p["mobile"])
            else p["mobile"]
        )
        miss = 0.07 if util else 0.22
        phone = (
            wpick(rng, [(miss, ""), (0.012, rng.choice(PLACEHOLDER_PHONES))], None) if ph else ""
        )
        phone = fmt_phone(ph, rng, c) if phone is None else phone
        r = rng.random()
        em = (
            hh["fam_email"]
            if p["fam_email"] and r < 0.6
            else p["old_email"]
            if (stale or (dup and rng.random() < 0.5)) and p["old_email"] and r < 0.8
            else p["email"] or hh["fam_email"]
        )
        miss = 0.12 if util else 0.01
        email = (
            wpick(
                rng, [(miss, ""), (0.025 if util else 0.006, rng.choice(PLACEHOLDER_EMAILS))], None
            )
            if em
            else ""
        )
        email = email_noise(em, rng) if email is None else email
        product = (
            rng.choice(
                [
                    "Electricity Fixed",
                    "Electricity Variable",
                    "Gas",
                    "Dual Fuel",
                    "Green Energy 100%",
                ]
            )
            if util
            else rng.choices(["Basic", "Standard", "Premium", "Family"], weights=[3, 4, 2, 2])[0]
        )
        status = (
            status
            or rng.choices(
                ["active", "cancelled", "paused", "trial"], weights=[70, 20, 5, 0 if util else 3]
            )[0]
        )
        upd = rand_date(rng, start, TODAY)
        row = dict(
            subscriber_id=sid,
            first_name=first,
            last_name=last,
            birth_date=bd,
            gender=gender,
            street_address="" if rng.random() < 0.015 else street,
            postal_code=pc,
            city=city,
            country=c if rng.random() > 0.004 else "",
            phone=phone,
            email=email,
            subscription_product=product,
            subscription_status=status,
            subscription_start=fmt_date(start, rng, 0.1 if util else 0.05),
            consent_marketing=str(rng.random() > p["privacy"] * 0.9 + 0.2).lower(),
            consent_partner_sharing=str(rng.random() > p["privacy"] * 0.6 + 0.55).lower(),
            updated_at=iso_ts(rng, upd)
            if rng.random() < 0.85
            else f"{upd} {rng.randrange(24):02d}:{rng.randrange(60):02d}",
        )
        return (p, row, start)

    def orders(self, recs, src):
        rng, util = self.rng, src == "utility"
        new_id, out = id_maker(rng, 100_000, 9_999_999, "UO-{}" if util else "SO-{}"), []
        price = {"Basic": 6.99, "Standard": 11.99, "Premium": 17.99, "Family": 21.99}
        for p, row, start in recs:
            sek = p["country"] == "SE"
            n_orders = rng.choices(range(13), weights=[14, 12, 11, 10, 9, 8, 7, 6, 6, 5, 5, 4, 3])[
                0
            ]
            for _ in range(n_orders):
                d = rand_date(rng, start, TODAY)
                if util:
                    cat = rng.choices(
                        [
                            "electricity",
                            "gas",
                            "installation",
                            "smart_meter",
                            "ev_charging",
                            "late_fee",
                        ],
                        weights=[50, 25, 5, 5, 8, 7],
                    )[0]
                    amt = rng.uniform(
                        *{
                            "electricity": (25, 260),
                            "gas": (15, 180),
                            "installation": (80, 900),
                            "smart_meter": (0, 120),
                            "ev_charging": (5, 60),
                            "late_fee": (5, 10),
                        }[cat]
                    )
                else:
                    cat = rng.choices(
                        ["subscription", "rental", "pay_per_view", "gift_card", "merchandise"],
                        weights=[70, 12, 6, 6, 6],
                    )[0]
                    amt = {
                        "subscription": price[row["subscription_product"]],
                        "rental": rng.choice([3.99, 4.99, 5.99]),
                        "pay_per_view": rng.choice([9.99, 14.99, 24.99]),
                        "gift_card": rng.choice([25, 50, 100]),
                        "merchandise": rng.uniform(9, 60),
                    }[cat]
                if sek:
                    amt = round(amt * 11.2) - (0.01 if not util and cat == "subscription" else 0)
                order = dict(
                    order_id=new_id(),
                    subscriber_id=row["subscriber_id"],
                    order_date=d.isoformat(),
                    amount=f"{amt:.2f}",
                    currency="SEK" if sek else "EUR",
                    product_category=cat,
                )
                out.append((d, order))
        out.sort(key=lambda x: (x[0], x[1]["order_id"]))
        return [o for _, o in out]

    # ------------------------------------------------------------ web profiles
    def geo(self, p, kind, ctx):
        """Geo-IP: home and office lines often resolve to the metro's big city.

        Mobile (carrier-grade NAT) lines resolve to a carrier hub, public Wi-Fi to the hotspot's
        city and a VPN to its exit.
        """
        rng, c, home = self.rng, p["country"], p["hh"]["addr"]
        if kind in ("home4", "home6", "office"):
            parent = self.city_by[c][home["city"]][3]
            city = wpick(
                rng,
                [
                    (0.6, home["city"]),
                    (0.22, parent or rng.choice(BIG[c])),
                    (0.08, rng.choice(BIG[c])),
                ],
            )
            if city == home["city"] and rng.random() < 0.6:
                pc = (
                    home["postal"]
                    if rng.random() < 0.5
                    else home["postal"][: 4 if c == "NL" else 3]
                )
            else:
                pc = self.postal(c, self.city_by[c][city]) if city and rng.random() < 0.3 else None
            return city, pc, c
        if kind == "cgnat":
            city = None
            if rng.random() < 0.75:
                city = self.pick_city(c)[0] if rng.random() < 0.3 else rng.choice(BIG[c])
            return city, None, c
        return (ctx[2], None, ctx[1]) if kind == "wifi" else (ctx[1], None, ctx[2])

    def online(self):
        rng, out = self.rng, []
        for p in self.persons:
            if (p["age"] < 13 and rng.random() > 0.03) or rng.random() >= 0.3 + 0.75 * p["digital"]:
                continue
            for _ in range(rng.choices([1, 2, 3], weights=[55, 30, 15])[0]):  # devices / browsers
                out.append((p, self.profile(p)))
        for _ in range(max(3, len(out) // 150)):  # crawlers and scripts
            first_day = rand_date(rng, dt.date(2023, 1, 1), TODAY)
            bot = dict(
                profile_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                email_sha256=None,
                first_name=None,
                last_name=None,
                ip_address=f"198.51.100.{rng.randint(200, 254)}",
                user_agent=rng.choice(BOT_UAS),
                device_type="bot",
                geo_city=None,
                geo_postal_code=None,
                country=rng.choice(["NL", "DE", "IE", None]),
                interests=[],
                page_views=rng.randint(50, 50000),
                first_seen=iso_ts(rng, first_day),
                last_seen=iso_ts(rng, rand_date(rng, first_day, TODAY)),
                consent_profiling=None,
            )
            out.append((None, bot))
        rng.shuffle(out)
        return out

    def profile(self, p):
        rng, hh = self.rng, p["hh"]
        dev, ua = rng.choices(
            UAS, weights=[{"desktop": 7, "mobile": 8, "tablet": 4, "tv": 3}[d] for d, _ in UAS]
        )[0]
        if p["age"] > 65 and dev == "mobile" and rng.random() < 0.4:
            dev, ua = UAS[rng.choice([0, 1, 12])]
        kinds, w = {
            "mobile": ("cgnat home4 home6 wifi vpn office", [45, 28, 10, 9, 4, 4]),
            "tv": ("home4 home6", [2, 1]),
        }.get(dev, ("home4 home6 office vpn wifi cgnat", [50, 14, 18, 8, 6, 4]))
        kind = rng.choices(kinds.split(), weights=w)[0]
        kind = "home4" if kind == "office" and not p["office"] else kind
        ctx = None
        if kind == "home4":
            ip = hh["ip4"]
        elif kind == "home6":
            ip = hh["ip6"] + "".join(f":{rng.getrandbits(16):x}" for _ in range(4))
        elif kind == "office":
            ip = p["office"]
        elif kind == "cgnat":  # carrier-grade NAT: a small pool per country, so strangers collide
            base = 64 + 16 * list(COUNTRY_W).index(p["country"])
            ip = f"100.{base + rng.randrange(2)}.{rng.randrange(4)}.{rng.randrange(1, 255)}"
        else:
            ctx = rng.choice(
                [w for w in self.wifi if w[1] == p["country"]] if kind == "wifi" else self.vpn
            )
            ip = ctx[0]
        city, pc, country = self.geo(p, kind, ctx)
        logged = rng.random() < 0.5
        em = None
        if logged:
            fam_email = hh["fam_email"] if p["fam_email"] else None
            em = wpick(rng, [(0.15, p["old_email"]), (0.15, fam_email)])
            em = em or p["email"] or hh["fam_email"]
        fn = ln = None
        if rng.random() < (0.62 if logged else 0.18):  # typed into a login / checkout form
            given, family = self.name_pair(p, 2)
            fn = wpick(rng, [(0.45, given.lower()), (0.4, given)], given[0] + ".")
            ln = wpick(rng, [(0.15, None), (0.35, family.lower()), (0.15, family[0])], family)
            if rng.random() < 0.3:
                fn, ln = strip_accents(fn), strip_accents(ln) if ln else ln
            if rng.random() < 0.02:
                fn = typo(fn, rng)
        first_day = rand_date(rng, dt.date(2021, 1, 1), TODAY - dt.timedelta(days=2))
        ints = rng.sample(p["interests"], rng.randint(1, len(p["interests"])))
        ints += [rng.choice(INTERESTS)] if rng.random() < 0.3 else []
        return dict(
            profile_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            email_sha256=sha(em) if em else None,
            first_name=fn,
            last_name=ln,
            ip_address=ip,
            user_agent=ua,
            device_type=dev,
            geo_city=city,
            geo_postal_code=pc,
            country=country if rng.random() > 0.03 else None,
            interests=sorted(set(ints)),
            page_views=int(rng.paretovariate(1.2) * 4),
            first_seen=iso_ts(rng, first_day),
            last_seen=iso_ts(rng, rand_date(rng, first_day, TODAY)),
            consent_profiling=(rng.random() > p["privacy"]) if rng.random() > 0.05 else None,
        )

    # ------------------------------------------------------------ social accounts
    def social(self):
        rng, out, used = self.rng, [], {k: set() for k in PLATFORMS}
        for p in self.persons:
            if p["age"] < 13 or rng.random() >= 0.72 * p["digital"] + 0.12:
                continue
            # weights for instagram, x, tiktok, mastodon
            w = [40, 20, 30, 10] if p["age"] < 40 else [45, 35, 10, 10]
            plats = rng.choices(PLATFORMS, weights=w, k=1 if rng.random() < 0.72 else 2)
            for pl in sorted(set(plats), key=plats.index):
                out.append((p, self.account(p, pl, used)))
        for _ in range(max(5, len(out) // 12)):
            out.append((None, self.bot_account(used)))
        rng.shuffle(out)
        return out

    def handle(self, h, pl, used):
        # X and Mastodon: no dots
        h = h.lower() if pl in ("instagram", "tiktok") else h.lower().replace(".", "_")
        h = re.sub(r"[^a-z0-9._]", "", h)[: (15 if pl == "x" else 30)].strip("._") or "user"
        base = h
        while h in used[pl]:
            h = f"{base[:11]}{self.rng.randint(1, 9999)}"
        used[pl].add(h)
        return f"{h}@{self.rng.choice(MASTODON_INSTANCES)}" if pl == "mastodon" else h

    def account(self, p, pl, used):
        rng, c = self.rng, p["country"]
        first, last = self.name_pair(p, 2)
        fs, ls = slug(first.split()[0]) or "x", slug(last.split()[0]) or "y"
        nick, full = slug(p["goes_by"]) if p["goes_by"] else fs, f"{first} {last}"
        styles = [
            fs + ls,
            f"{fs}.{ls}",
            f"{fs}_{ls}",
            f"{fs[0]}_{ls}",
            f"{ls}{fs}{rng.randint(1, 99)}",
            f"{fs}{p['yob'] % 100:02d}",
            f"{nick}_{ls}",
            f"{fs}{ls[0]}",
            f"the{fs}",
            f"{nick}{rng.randint(1, 999)}",
            rng.choice(HANDLE_WORDS)
            + rng.choice(["_", ""])
            + rng.choice(HANDLE_WORDS)
            + rng.choice(["", str(rng.randint(1, 99))]),
        ]
        h = self.handle(
            rng.choices(styles, weights=[14, 12, 8, 6, 6, 6, 5, 5, 3, 5, 16])[0], pl, used
        )
        emoji = rng.choice(["🌸", "✨", "⚽", "🌍", "☕", "🎧", FLAG[c]])
        job = rng.choice(["Developer", "Coach", PROFESSION[c]])
        disp = wpick(
            rng,
            [
                (0.35, full),
                (0.15, f"{first} {emoji}"),
                (0.1, p["goes_by"] or first),
                (0.06, full.upper()),
                (0.1, f"{first} {last[0]}."),
                (0.1, first),
                (0.07, h.split("@")[0]),
            ],
            f"{full} | {job}",
        )
        disp = strip_accents(disp) if rng.random() < 0.15 else disp
        city = (
            p["old_addr"]["city"]
            if p["old_addr"] and rng.random() < 0.2
            else p["hh"]["addr"]["city"]
        )
        ctry = split_names(COUNTRY_TXT[c])
        loc = wpick(
            rng,
            [
                (0.25, city),
                (0.13, f"{city}, {ctry[0]}"),
                (0.07, f"{city}, {ctry[1]}"),
                (0.1, rng.choice(split_names(SLANG[city])) if city in SLANG else city),
                (0.05, self.city_by[c][city][3] or city),
                (0.12, rng.choice(ctry)),
                (0.05, rng.choice(["🌍", "Earth", "somewhere", "here & there", "Europe"])),
            ],
        )
        bio = re.sub(
            r"\{([^{}|]+)\|([^{}|]+)\}",
            lambda m: m.group(1 if p["g"] == "F" else 2),
            rng.choice(BIO[c if rng.random() < 0.7 else "EN"]),
        )
        if rng.random() < 0.7:
            interest = rng.choice(p["interests"]).replace("_", " ")
            bio = bio.format(i=interest, c=city) + (f" · {p['yob']}" if rng.random() < 0.05 else "")
        else:
            bio = None
        email = None
        if rng.random() < 0.1:
            other = p["old_email"] or p["hh"]["fam_email"] or p["email"]
            email = p["email"] if rng.random() < 0.75 else other
        web = None
        if rng.random() < 0.08:
            if rng.random() < 0.4:
                web = f"https://{slug(full)}.example"
            else:
                web = f"https://links.example/{h.split('@')[0]}"
        return dict(
            platform=pl,
            handle=h,
            display_name=disp,
            bio=bio,
            location=loc,
            website=web,
            email=email,
            phone=fmt_phone(p["mobile"], rng, c) if p["mobile"] and rng.random() < 0.06 else None,
            followers=int(rng.paretovariate(1.05) * 20) - 20 + rng.randint(0, 30),
            last_active=iso_ts(rng, rand_date(rng, dt.date(2020, 1, 1), TODAY))
            if rng.random() > 0.03
            else None,
        )

    def bot_account(self, used):
        """An account that is nobody.

        A local business (often named after a person), a spam bot or a fake account with a
        common name.
        """
        rng, c = self.rng, self.pick_country()
        pl = rng.choices(PLATFORMS, weights=[35, 35, 20, 10])[0]
        kind = rng.choices(["biz", "spam", "squat"], weights=[45, 30, 25])[0]
        email = phone = web = None
        first = NAMES[c][rng.choice("MF")].pick(rng)
        last = NAMES[c]["last"].pick(rng)
        city = self.pick_city(c)[0]
        if kind == "biz":
            disp, hs = rng.choice(BIZ[c]).format(f=first, l=last).split("|")
            h = self.handle(slug(hs) + rng.choice(["", "_" + slug(city)]), pl, used)
            web = f"https://{slug(hs)}.example"
            email = f"info@{slug(hs)}.example" if rng.random() < 0.5 else None
            phone = (
                fmt_phone(self.phone(c, "landline", self.city_by[c][city][4]), rng, c)
                if rng.random() < 0.5
                else None
            )
            tagline = rng.choice(["Since 1987", "Ring oss!", "Bel ons", "Llámanos", "Chiamaci"])
            bio, loc = f"{city} · {tagline}", city
        elif kind == "spam":
            w = rng.choice(["deals", "crypto", "news", "promo", "giveaway", "follow"])
            suffix = rng.choice(["bot", "daily", "feed", slug(city)])
            h = self.handle(f"{w}_{suffix}{rng.randint(1, 9999)}", pl, used)
            disp = w.title() + " " + rng.choice("🤖💰📰🔥")
            bio = rng.choice(["Auto-posting 24/7", "DM for promo", None])
            loc = None
        else:
            h = self.handle(f"{slug(first)}{slug(last)}{rng.randint(1000, 9999)}", pl, used)
            disp, loc = f"{first} {last}", rng.choice([city, None])
            bio = rng.choice(["Follow back 💯", "#followback #f4f", "DM me 😘", None])
        return dict(
            platform=pl,
            handle=h,
            display_name=disp,
            bio=bio,
            location=loc,
            website=web,
            email=email,
            phone=phone,
            followers=int(rng.paretovariate(1.0) * 50),
            last_active=iso_ts(rng, rand_date(rng, dt.date(2022, 1, 1), TODAY)),
        )


# -------------------------------------------------------------------------------- output
REG_COLS = [
    "subscriber_id",
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "street_address",
    "postal_code",
    "city",
    "country",
    "phone",
    "email",
    "subscription_product",
    "subscription_status",
    "subscription_start",
    "consent_marketing",
    "consent_partner_sharing",
    "updated_at",
]
ORD_COLS = ["order_id", "subscriber_id", "order_date", "amount", "currency", "product_category"]
CONF = (  # conf.yaml; the two orders lines are split only to keep the source lines short
    "warehouse: ./warehouse\n"
    "sources:\n"
    "  - {name: streaming, kind: registry, format: csv, path: registry_streaming.csv}\n"
    "  - {name: streaming_orders, kind: orders, registry: streaming, format: csv,"
    " path: orders_streaming.csv}\n"
    "  - {name: utility, kind: registry, format: csv, path: registry_utility.csv}\n"
    "  - {name: utility_orders, kind: orders, registry: utility, format: csv,"
    " path: orders_utility.csv}\n"
    "  - {name: web, kind: online, format: json, path: online_profiles.jsonl}\n"
    "  - {name: social, kind: social, format: json, path: social_accounts.jsonl}\n"
    "ground_truth: ground_truth.csv\n"
)


def write_csv(path: Path, cols: list[str], rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


Person = dict[str, Any]
Record = dict[str, Any]


@dataclass
class Dataset:
    """One generated data set: the generator (persons, households) and every source's records."""

    gen: Gen
    registries: dict[str, list[tuple[Person, Record, dt.date]]]  # source -> (person, row, start)
    orders: dict[str, list[Record]]
    web: list[tuple[Person | None, Record]]  # person is None for bots
    social: list[tuple[Person | None, Record]]  # person is None for bots and businesses
    ground_truth: list[tuple[str, str, str]]  # (source, source_record_id, person_id)


def build_dataset(persons: int, seed: int) -> Dataset:
    """Generate everything in memory; deterministic in (persons, seed)."""
    gen = Gen(persons, seed)
    gen.build()
    registries = {s: gen.registry(s) for s in ("streaming", "utility")}
    orders = {s: gen.orders(r, s) for s, r in registries.items()}
    web, social = gen.online(), gen.social()
    extra_ids = iter(range(len(gen.persons) + 1, 10**9))  # bots and businesses: one person id each

    def person_id(p: Person | None) -> str:
        return p["id"] if p is not None else f"P{next(extra_ids):06d}"

    gt = [(s, r["subscriber_id"], p["id"]) for s in registries for p, r, _ in registries[s]]
    gt += [("web", r["profile_id"], person_id(p)) for p, r in web]
    gt += [("social", f"{r['platform']}:{r['handle']}", person_id(p)) for p, r in social]
    return Dataset(gen, registries, orders, web, social, gt)


def write_dataset(data: Dataset, out_dir: Path) -> None:
    """Write the source files, ground_truth.csv and conf.yaml into out_dir (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for s, recs in data.registries.items():
        write_csv(out_dir / f"registry_{s}.csv", REG_COLS, [r for _, r, _ in recs])
        write_csv(out_dir / f"orders_{s}.csv", ORD_COLS, data.orders[s])
    write_jsonl(out_dir / "online_profiles.jsonl", [r for _, r in data.web])
    write_jsonl(out_dir / "social_accounts.jsonl", [r for _, r in data.social])
    cols = ["source", "source_record_id", "person_id"]
    gt_rows = [dict(zip(cols, x, strict=True)) for x in data.ground_truth]
    write_csv(out_dir / "ground_truth.csv", cols, gt_rows)
    (out_dir / "conf.yaml").write_text(CONF, encoding="utf-8")


def generate(out_dir: Path, persons: int = 8000, seed: int = 1) -> None:
    """Write the data set for (persons, seed) into out_dir; same files as the command line."""
    write_dataset(build_dataset(persons, seed), Path(out_dir))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description="Independent synthetic identity-resolution benchmark data."
    )
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--persons", type=int, default=8000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.time()
    # generate() in two steps, to keep the in-memory data for the summary
    data = build_dataset(args.persons, args.seed)
    write_dataset(data, args.out_dir)
    summary(data, time.time() - t0)


def summary(data: Dataset, secs: float) -> None:
    gen, web, soc = data.gen, data.web, data.social
    n = len(gen.persons)

    def ids(rows: Iterable[tuple[Any, ...]]) -> set[str]:
        return {x[0]["id"] for x in rows if x[0] is not None}

    def pct(s: set[str]) -> str:
        return f"{len(s)} ({100 * len(s) / n:.1f}%)"

    print(f"persons={n} households={len(gen.households)} seconds={secs:.1f}")
    for s, rs in data.registries.items():
        print(
            f"registry_{s}={len(rs)} rows, {pct(ids(rs))} persons, "
            f"duplicate rows={len(rs) - len(ids(rs))}; orders_{s}={len(data.orders[s])} rows"
        )
    for name, rows in (("online_profiles", web), ("social_accounts", soc)):
        bots = sum(1 for p, _ in rows if p is None)
        print(f"{name}={len(rows)} rows ({bots} bots/businesses), {pct(ids(rows))} persons")
    regs = data.registries["streaming"] + data.registries["utility"]
    ordered = {o["subscriber_id"] for o in data.orders["streaming"] + data.orders["utility"]}
    with_orders = {p["id"] for p, r, _ in regs if r["subscriber_id"] in ordered}
    print(
        f"ground_truth={len(data.ground_truth)} rows; "
        f"registry+online+social={pct(ids(regs) & ids(web) & ids(soc))}; "
        f"all four kinds (registry with orders)={pct(with_orders & ids(web) & ids(soc))}"
    )
    groups: dict[tuple[str, str, str], list[Person]] = {}
    for p in gen.persons:
        if p["age"] >= 18:
            groups.setdefault((p["hh"]["addr"]["city"], p["first"], last_plain(p)), []).append(p)
    namesakes = [v for v in groups.values() if len({id(p["hh"]) for p in v}) > 1]
    same = sum(
        1
        for h in gen.households
        if len({(m["first"], last_plain(m)) for m in h["members"]}) < len(h["members"])
    )
    landline_persons = sum(
        len(h["members"]) for h in gen.households if h["landline"] and len(h["members"]) > 1
    )
    print(
        "traps: adult namesakes (same first+last name and city, different household)="
        f"{sum(map(len, namesakes))} persons in {len(namesakes)} groups "
        f"(largest {max(map(len, namesakes), default=0)}); "
        f"twin pairs={sum(1 for p in gen.persons if p.get('twin_of'))}; "
        f"households with two members of the same name={same}; "
        f"persons in multi-person households with a landline={landline_persons}; "
        f"persons using a family e-mail={sum(1 for p in gen.persons if p['fam_email'])}"
    )


if __name__ == "__main__":
    main()
